// server: typed request field reads.
#include "server/json_fields.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace hearth::server {
namespace {

using json = nlohmann::json;

// nullptr when the field is absent or null.
const json* field(const json& obj, std::string_view key) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

ApiError wrong_type(std::string_view key, std::string_view expected, const json& v) {
  return ApiError::bad_request(fmt::format("'{}' must be {}, got {}", key, expected, json_kind(v)),
                               std::string(key));
}

// Deepest nesting of arrays and objects, counted without recursion.
size_t nesting_depth(const json& root) {
  size_t deepest = 0;
  std::vector<std::pair<const json*, size_t>> todo = {{&root, 1}};
  while (!todo.empty()) {
    const auto [v, depth] = todo.back();
    todo.pop_back();
    if (!v->is_structured()) continue;
    deepest = std::max(deepest, depth);
    for (const json& child : *v) todo.push_back({&child, depth + 1});
  }
  return deepest;
}

// Deeper requests are refused: nothing real nests this far, and later recursive walks (the
// template renderer's conversion of messages) must not exhaust the stack.
constexpr size_t kMaxNesting = 64;

}  // namespace

MaybeError parse_json_object(const std::string& body, json& out) {
  if (body.empty()) return ApiError::bad_request("The request body is empty: send a JSON object");
  try {
    out = json::parse(body);
  } catch (const json::exception& e) {
    // e.what() names the byte offset and the problem (unexpected end, ill-formed UTF-8,
    // a number too large for a double ...).
    return ApiError::bad_request(fmt::format("The request body is not valid JSON: {}", e.what()));
  }
  if (!out.is_object())
    return ApiError::bad_request(
        fmt::format("The request body must be a JSON object, got {}", json_kind(out)));
  if (nesting_depth(out) > kMaxNesting)
    return ApiError::bad_request(
        fmt::format("The request body nests arrays and objects deeper than {} levels", kMaxNesting));
  return std::nullopt;
}

std::string_view json_kind(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number";
    default: return "an unsupported value";
  }
}

MaybeError read_bool(const json& obj, std::string_view key, bool& out) {
  const json* v = field(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) return wrong_type(key, "a boolean", *v);
  out = v->get<bool>();
  return std::nullopt;
}

MaybeError read_int(const json& obj, std::string_view key, int64_t lo, int64_t hi, int64_t& out) {
  const json* v = field(obj, key);
  if (!v) return std::nullopt;
  const auto out_of_range = [&](const std::string& shown) {
    return ApiError::bad_request(
        fmt::format("'{}' must be an integer in [{}, {}], got {}", key, lo, hi, shown),
        std::string(key));
  };
  if (v->is_number_unsigned()) {
    const uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(hi)) return out_of_range(std::to_string(u));
    out = static_cast<int64_t>(u);
  } else if (v->is_number_integer()) {
    const int64_t i = v->get<int64_t>();
    if (i < lo || i > hi) return out_of_range(std::to_string(i));
    out = i;
  } else if (v->is_number_float()) {
    const double d = v->get<double>();
    if (!std::isfinite(d) || d != std::floor(d)) return wrong_type(key, "an integer", *v);
    if (d < static_cast<double>(lo) || d > static_cast<double>(hi))
      return out_of_range(fmt::format("{}", d));
    out = static_cast<int64_t>(d);
  } else {
    return wrong_type(key, "an integer", *v);
  }
  return std::nullopt;
}

MaybeError read_number(const json& obj, std::string_view key, double lo, double hi, double& out) {
  const json* v = field(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_number()) return wrong_type(key, "a number", *v);
  const double d = v->get<double>();
  if (!std::isfinite(d) || d < lo || d > hi)
    return ApiError::bad_request(
        fmt::format("'{}' must be a number in [{}, {}], got {}", key, lo, hi, d), std::string(key));
  out = d;
  return std::nullopt;
}

MaybeError read_float(const json& obj, std::string_view key, double lo, double hi, float& out) {
  double d = out;
  HEARTH_API_TRY(read_number(obj, key, lo, hi, d));
  out = static_cast<float>(d);
  return std::nullopt;
}

MaybeError read_string(const json& obj, std::string_view key, std::string& out) {
  const json* v = field(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) return wrong_type(key, "a string", *v);
  out = v->get<std::string>();
  return std::nullopt;
}

MaybeError read_string_or_list(const json& obj, std::string_view key, size_t max_items,
                               std::vector<std::string>& out) {
  const json* v = field(obj, key);
  if (!v) return std::nullopt;
  if (v->is_string()) {
    out = {v->get<std::string>()};
    return std::nullopt;
  }
  if (!v->is_array()) return wrong_type(key, "a string or a list of strings", *v);
  if (v->size() > max_items)
    return ApiError::bad_request(
        fmt::format("'{}' may list at most {} strings, got {}", key, max_items, v->size()),
        std::string(key));
  out.clear();
  for (const json& s : *v) {
    if (!s.is_string()) return wrong_type(key, "a string or a list of strings", s);
    out.push_back(s.get<std::string>());
  }
  return std::nullopt;
}

}  // namespace hearth::server

#include "gguf/gguf_value.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "base/check.h"

namespace hearth::gguf {
namespace {

bool is_unsigned_type(ValueType t) {
  return t == ValueType::UINT8 || t == ValueType::UINT16 || t == ValueType::UINT32 ||
         t == ValueType::UINT64;
}

bool is_signed_type(ValueType t) {
  return t == ValueType::INT8 || t == ValueType::INT16 || t == ValueType::INT32 ||
         t == ValueType::INT64;
}

// Largest value an unsigned type holds; the writer stores exactly this many bits.
uint64_t unsigned_max(ValueType t) {
  switch (t) {
    case ValueType::UINT8: return std::numeric_limits<uint8_t>::max();
    case ValueType::UINT16: return std::numeric_limits<uint16_t>::max();
    case ValueType::UINT32: return std::numeric_limits<uint32_t>::max();
    default: return std::numeric_limits<uint64_t>::max();
  }
}

std::pair<int64_t, int64_t> signed_range(ValueType t) {
  switch (t) {
    case ValueType::INT8: return {INT8_MIN, INT8_MAX};
    case ValueType::INT16: return {INT16_MIN, INT16_MAX};
    case ValueType::INT32: return {INT32_MIN, INT32_MAX};
    default: return {INT64_MIN, INT64_MAX};
  }
}

// Quotes a string for display the way Python's repr does (single quotes unless the text has
// some and no double quotes), control characters escaped, long strings cut at `max_chars`
// bytes (never inside a UTF-8 sequence) with "..." appended.
std::string quote(const std::string& s, size_t max_chars) {
  size_t cut = s.size();
  if (cut > max_chars) {
    cut = max_chars;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  }
  const bool has_single = s.find('\'') != std::string::npos;
  const char q = has_single && s.find('"') == std::string::npos ? '"' : '\'';
  std::string out(1, q);
  for (size_t i = 0; i < cut; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == q || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (cut < s.size()) out += "...";
  out += q;
  return out;
}

constexpr size_t kDisplayStringChars = 60;

}  // namespace

std::string_view value_type_name(ValueType t) {
  switch (t) {
    case ValueType::UINT8: return "UINT8";
    case ValueType::INT8: return "INT8";
    case ValueType::UINT16: return "UINT16";
    case ValueType::INT16: return "INT16";
    case ValueType::UINT32: return "UINT32";
    case ValueType::INT32: return "INT32";
    case ValueType::FLOAT32: return "FLOAT32";
    case ValueType::BOOL: return "BOOL";
    case ValueType::STRING: return "STRING";
    case ValueType::ARRAY: return "ARRAY";
    case ValueType::UINT64: return "UINT64";
    case ValueType::INT64: return "INT64";
    case ValueType::FLOAT64: return "FLOAT64";
  }
  return "UNKNOWN";
}

// Constructors take a programmer's choice of type: a mismatch is a bug, not bad input.
Value Value::of_uint(ValueType t, uint64_t v) {
  HEARTH_CHECK(is_unsigned_type(t));
  HEARTH_CHECK(v <= unsigned_max(t));
  Value out;
  out.type_ = t;
  out.v_ = v;
  return out;
}

Value Value::of_int(ValueType t, int64_t v) {
  HEARTH_CHECK(is_signed_type(t));
  const auto [lo, hi] = signed_range(t);
  HEARTH_CHECK(v >= lo && v <= hi);
  Value out;
  out.type_ = t;
  out.v_ = v;
  return out;
}

Value Value::of_float(ValueType t, double v) {
  HEARTH_CHECK(t == ValueType::FLOAT32 || t == ValueType::FLOAT64);
  Value out;
  out.type_ = t;
  // A FLOAT32 holds what the file will hold, so a written value reads back equal.
  out.v_ = t == ValueType::FLOAT32 ? static_cast<double>(static_cast<float>(v)) : v;
  return out;
}

Value Value::of_bool(bool v) {
  Value out;
  out.type_ = ValueType::BOOL;
  out.v_ = v;
  return out;
}

Value Value::of_string(std::string v) {
  Value out;
  out.type_ = ValueType::STRING;
  out.v_ = std::move(v);
  return out;
}

Value Value::of_array(Array a) {
  for (const auto& item : a.items) HEARTH_CHECK(item.type() == a.elem_type);
  Value out;
  out.type_ = ValueType::ARRAY;
  out.v_ = std::make_shared<Array>(std::move(a));
  return out;
}

std::optional<uint64_t> Value::as_uint() const {
  if (const auto* u = std::get_if<uint64_t>(&v_)) return *u;
  if (const auto* i = std::get_if<int64_t>(&v_)) {
    if (*i >= 0) return static_cast<uint64_t>(*i);
  }
  return std::nullopt;
}

std::optional<int64_t> Value::as_int() const {
  if (const auto* i = std::get_if<int64_t>(&v_)) return *i;
  if (const auto* u = std::get_if<uint64_t>(&v_)) {
    if (*u <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(*u);
  }
  return std::nullopt;
}

std::optional<double> Value::as_float() const {
  if (const auto* d = std::get_if<double>(&v_)) return *d;
  if (const auto* u = std::get_if<uint64_t>(&v_)) return static_cast<double>(*u);
  if (const auto* i = std::get_if<int64_t>(&v_)) return static_cast<double>(*i);
  return std::nullopt;
}

std::optional<bool> Value::as_bool() const {
  if (const auto* b = std::get_if<bool>(&v_)) return *b;
  return std::nullopt;
}

const std::string* Value::as_string() const { return std::get_if<std::string>(&v_); }

const Array* Value::as_array() const {
  if (const auto* a = std::get_if<std::shared_ptr<Array>>(&v_)) return a->get();
  return nullptr;
}

std::string Value::to_display(size_t max_items) const {
  if (const auto* u = std::get_if<uint64_t>(&v_)) return fmt::format("{}", *u);
  if (const auto* i = std::get_if<int64_t>(&v_)) return fmt::format("{}", *i);
  if (const auto* d = std::get_if<double>(&v_)) {
    // Shortest text that reads back as the stored width.
    return type_ == ValueType::FLOAT32 ? fmt::format("{}", static_cast<float>(*d))
                                       : fmt::format("{}", *d);
  }
  if (const auto* b = std::get_if<bool>(&v_)) return *b ? "true" : "false";
  if (const auto* s = std::get_if<std::string>(&v_)) return quote(*s, kDisplayStringChars);
  const Array* a = as_array();
  if (a == nullptr) return "?";
  std::string out = "[";
  const size_t shown = std::min(max_items, a->items.size());
  for (size_t k = 0; k < shown; ++k) {
    if (k > 0) out += ", ";
    out += a->items[k].to_display(max_items);
  }
  if (shown < a->items.size()) {
    out += fmt::format("{}... {} items", shown > 0 ? ", " : "", a->items.size());
  }
  out += "]";
  return out;
}

}  // namespace hearth::gguf

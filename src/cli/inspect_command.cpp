// cli: `hearth inspect MODEL [--json]`: a GGUF file's header, metadata, tensor table and sizes.
#include <algorithm>
#include <map>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "gguf/gguf_file.h"

namespace hearth::cli {
namespace {

using gguf::GgufFile;
using gguf::TensorInfo;
using gguf::Value;
using gguf::ValueType;
using Json = nlohmann::ordered_json;  // keeps the file's key order

struct InspectOptions {
  std::string model;
  bool json = false;
  size_t max_items = 8;
};

std::string type_name(const TensorInfo& t) {
  return t.known_type ? std::string(dtype_name(t.dtype)) : fmt::format("type#{}", t.type_id);
}

// "[STRING]" for arrays, "UINT32" for scalars.
std::string value_type_label(const Value& v) {
  const gguf::Array* a = v.as_array();
  if (a == nullptr) return std::string(gguf::value_type_name(v.type()));
  return fmt::format("[{}]", gguf::value_type_name(a->elem_type));
}

std::string shape_string(const std::vector<uint64_t>& ne) {
  return fmt::format("[{}]", fmt::join(ne, ", "));
}

// Per-type totals, in type-name order.
struct TypeTotals {
  uint64_t tensors = 0, bytes = 0, parameters = 0;
};

struct Totals {
  uint64_t parameters = 0, bytes = 0;
  std::map<std::string, TypeTotals> per_type;
};

Totals sum_tensors(const GgufFile& file) {
  Totals totals;
  for (const auto& t : file.tensors()) {
    totals.parameters += t.n_elements;
    totals.bytes += t.nbytes;
    auto& per = totals.per_type[type_name(t)];
    ++per.tensors;
    per.bytes += t.nbytes;
    per.parameters += t.n_elements;
  }
  return totals;
}

// A value as JSON; arrays keep their first `max_items` items (nested ones too).
Json value_to_json(const Value& v, size_t max_items) {
  if (const gguf::Array* a = v.as_array()) {
    Json items = Json::array();
    for (size_t i = 0; i < std::min(max_items, a->items.size()); ++i) {
      items.push_back(value_to_json(a->items[i], max_items));
    }
    return items;
  }
  if (const std::string* s = v.as_string()) return *s;
  if (auto b = v.as_bool()) return *b;
  if (v.type() == ValueType::FLOAT32 || v.type() == ValueType::FLOAT64) return *v.as_float();
  if (auto u = v.as_uint()) return *u;
  return *v.as_int();
}

Json metadata_entry(const Value& v, size_t max_items) {
  Json entry;
  entry["type"] = gguf::value_type_name(v.type());
  if (const gguf::Array* a = v.as_array()) {
    entry["elem_type"] = gguf::value_type_name(a->elem_type);
    entry["count"] = a->items.size();
    entry["truncated"] = a->items.size() > max_items;
  }
  entry["value"] = value_to_json(v, max_items);
  return entry;
}

Json to_json(const GgufFile& file, size_t max_items) {
  Json out;
  out["file"] = file.path();
  out["file_size"] = file.file_size();
  out["version"] = file.version();
  out["alignment"] = file.alignment();
  out["data_offset"] = file.data_offset();
  out["metadata_count"] = file.metadata().size();
  Json metadata = Json::object();
  for (const auto& kv : file.metadata()) metadata[kv.key] = metadata_entry(kv.value, max_items);
  out["metadata"] = std::move(metadata);

  const Totals totals = sum_tensors(file);
  out["tensor_count"] = file.tensors().size();
  out["parameter_count"] = totals.parameters;
  out["tensor_bytes"] = totals.bytes;
  Json per_type = Json::object();
  for (const auto& [name, per] : totals.per_type) {
    per_type[name] = {{"tensors", per.tensors}, {"parameters", per.parameters},
                      {"bytes", per.bytes}};
  }
  out["bytes_per_type"] = std::move(per_type);
  Json tensors = Json::array();
  for (const auto& t : file.tensors()) {
    tensors.push_back({{"name", t.name}, {"shape", t.ne}, {"type", type_name(t)},
                       {"type_id", t.type_id}, {"offset", t.offset},
                       {"n_elements", t.n_elements}, {"bytes", t.nbytes}});
  }
  out["tensors"] = std::move(tensors);
  return out;
}

// 1234567 -> "1.23M": for the summary line only; exact counts are printed beside it.
std::string human(uint64_t n) {
  if (n >= 1000000000) return fmt::format("{:.2f}B", n / 1e9);
  if (n >= 1000000) return fmt::format("{:.2f}M", n / 1e6);
  if (n >= 1000) return fmt::format("{:.2f}K", n / 1e3);
  return fmt::format("{}", n);
}

void print_text(const GgufFile& file, size_t max_items) {
  fmt::print("{}: GGUF v{}, {} bytes, alignment {}, tensor data at byte {}\n", file.path(),
             file.version(), file.file_size(), file.alignment(), file.data_offset());

  size_t key_width = 3;
  for (const auto& kv : file.metadata()) key_width = std::max(key_width, kv.key.size());
  fmt::print("\nmetadata ({} keys):\n", file.metadata().size());
  for (const auto& kv : file.metadata()) {
    fmt::print("  {:<{}}  {:<10} {}\n", kv.key, key_width, value_type_label(kv.value),
               kv.value.to_display(max_items));
  }

  size_t name_width = 4, shape_width = 5;
  for (const auto& t : file.tensors()) {
    name_width = std::max(name_width, t.name.size());
    shape_width = std::max(shape_width, shape_string(t.ne).size());
  }
  fmt::print("\ntensors ({}):\n", file.tensors().size());
  fmt::print("  {:<{}}  {:<{}}  {:<8} {:>12}\n", "name", name_width, "shape", shape_width, "type",
             "bytes");
  for (const auto& t : file.tensors()) {
    fmt::print("  {:<{}}  {:<{}}  {:<8} {:>12}\n", t.name, name_width, shape_string(t.ne),
               shape_width, type_name(t), t.known_type ? fmt::format("{}", t.nbytes) : "?");
  }

  const Totals totals = sum_tensors(file);
  fmt::print("\nbytes per type:\n");
  for (const auto& [name, per] : totals.per_type) {
    fmt::print("  {:<8} {:>5} tensors {:>14} parameters {:>14} bytes\n", name, per.tensors,
               per.parameters, per.bytes);
  }
  fmt::print("\ntotal: {} tensors, {} parameters ({}), {} bytes of tensor data\n",
             file.tensors().size(), totals.parameters, human(totals.parameters), totals.bytes);
}

int run_inspect(const InspectOptions& opts) {
  auto file = GgufFile::open(opts.model);
  if (!file.is_ok()) {
    fmt::print(stderr, "hearth inspect: {}\n", file.message());
    return 1;
  }
  if (opts.json) {
    // Metadata strings are not validated as UTF-8; replace bad bytes rather than throw.
    fmt::print("{}\n", to_json(**file, opts.max_items)
                           .dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    print_text(**file, opts.max_items);
  }
  return 0;
}

}  // namespace

void register_inspect(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<InspectOptions>();
  auto* sub = app.add_subcommand(
      "inspect",
      "Show a GGUF file: version, metadata (long arrays abbreviated), the tensor table (name, "
      "shape, type, bytes), bytes per type and the total parameter count");
  sub->add_option("model", opts->model, "Path of the .gguf file")->required();
  sub->add_flag("--json", opts->json,
                "Print one JSON object instead: file, version, alignment, data_offset, metadata "
                "(key -> {type, value; arrays also elem_type, count, truncated}), tensor_count, "
                "parameter_count, tensor_bytes, bytes_per_type, tensors");
  sub->add_option("--max-items", opts->max_items, "Array items shown per metadata value")
      ->default_val(8)
      ->check(CLI::PositiveNumber);
  sub->callback([opts, &exit_code] { exit_code = run_inspect(*opts); });
}

}  // namespace hearth::cli

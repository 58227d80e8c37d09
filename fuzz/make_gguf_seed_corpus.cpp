// Writes a small seed corpus for gguf_reader_fuzz from real GGUF files:
//   <stem>.head.gguf  the file's first bytes up to its data section (at most 64 KiB): the real
//                     header, metadata and tensor table, tensor data cut away;
//   <stem>.mini.gguf  a complete, valid miniature: the same keys with arrays cut to a few
//                     items, and its first tensors cut to one block each;
// plus synthetic.gguf, which holds every value type, nested arrays and a custom alignment.
// Usage: make_gguf_seed_corpus OUT_DIR MODEL.gguf...
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"

namespace {

using namespace hearth;
using namespace hearth::gguf;

constexpr size_t kHeadBytes = 64 * 1024;
constexpr size_t kMiniArrayItems = 12;
constexpr size_t kMiniTensors = 6;

bool write_bytes(const std::filesystem::path& path, const uint8_t* data, size_t n) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n));
  return static_cast<bool>(out);
}

Value shorten(const Value& v) {
  const Array* a = v.as_array();
  if (a == nullptr) return v;
  Array cut{a->elem_type, {}};
  for (size_t i = 0; i < std::min(kMiniArrayItems, a->items.size()); ++i) {
    cut.items.push_back(shorten(a->items[i]));
  }
  return Value::of_array(std::move(cut));
}

Status write_miniature(const GgufFile& f, const std::filesystem::path& path) {
  GgufWriter w(f.alignment());
  for (const auto& kv : f.metadata()) w.set(kv.key, shorten(kv.value));
  size_t added = 0;
  for (const auto& t : f.tensors()) {
    if (!t.known_type || added == kMiniTensors) continue;
    const auto& tr = traits(t.dtype);
    HEARTH_RETURN_IF_ERROR(w.add_tensor(t.name, {tr.block_elems}, t.dtype,
                                        {t.data, t.data + tr.block_bytes}));
    ++added;
  }
  return w.write_file(path.string());
}

Status write_synthetic(const std::filesystem::path& path) {
  using VT = ValueType;
  GgufWriter w(64);
  w.set("general.architecture", Value::of_string("llama"));
  w.set("u8", Value::of_uint(VT::UINT8, 1));
  w.set("i8", Value::of_int(VT::INT8, -1));
  w.set("u16", Value::of_uint(VT::UINT16, 2));
  w.set("i16", Value::of_int(VT::INT16, -2));
  w.set("u32", Value::of_uint(VT::UINT32, 3));
  w.set("i32", Value::of_int(VT::INT32, -3));
  w.set("u64", Value::of_uint(VT::UINT64, 4));
  w.set("i64", Value::of_int(VT::INT64, -4));
  w.set("f32", Value::of_float(VT::FLOAT32, 0.5));
  w.set("f64", Value::of_float(VT::FLOAT64, 0.25));
  w.set("bool", Value::of_bool(true));
  Array inner{VT::STRING, {Value::of_string("a"), Value::of_string("bc")}};
  Array nested{VT::ARRAY, {Value::of_array(inner), Value::of_array(Array{VT::INT32, {}})}};
  w.set("nested", Value::of_array(nested));
  std::vector<uint8_t> f16(2 * 8, 0x3c);
  HEARTH_RETURN_IF_ERROR(w.add_tensor("a", {4, 2}, DType::F16, f16));
  HEARTH_RETURN_IF_ERROR(w.add_tensor("b", {32}, DType::Q8_0, std::vector<uint8_t>(34, 1)));
  return w.write_file(path.string());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR MODEL.gguf...\n", argv[0]);
    return 2;
  }
  const std::filesystem::path out = argv[1];
  std::filesystem::create_directories(out);
  int written = 0;
  for (int i = 2; i < argc; ++i) {
    const std::filesystem::path model = argv[i];
    const std::string stem = model.stem().string();
    std::ifstream in(model, std::ios::binary);
    std::vector<uint8_t> head(kHeadBytes);
    in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));
    auto file = GgufFile::open(model.string());
    if (file.is_ok()) {
      head.resize(std::min<size_t>(head.size(), (*file)->data_offset()));
      if (Status st = write_miniature(**file, out / (stem + ".mini.gguf")); !st.is_ok()) {
        std::fprintf(stderr, "%s: %s\n", model.c_str(), st.message().c_str());
        return 1;
      }
      ++written;
    }
    // Files that do not open (e.g. GGUF v1) still make good seeds for the error paths.
    if (!write_bytes(out / (stem + ".head.gguf"), head.data(), head.size())) return 1;
    ++written;
  }
  if (Status st = write_synthetic(out / "synthetic.gguf"); !st.is_ok()) {
    std::fprintf(stderr, "%s\n", st.message().c_str());
    return 1;
  }
  std::printf("wrote %d seeds to %s\n", written + 1, out.c_str());
  return 0;
}

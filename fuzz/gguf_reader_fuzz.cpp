// libFuzzer target: GgufFile::from_memory on arbitrary bytes. Whatever parses is walked in full
// (so ASan sees every pointer the parser handed out), queried through every getter, and
// written back with GgufWriter and parsed again, which must give the same file.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>

#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"

namespace {

using hearth::gguf::Array;
using hearth::gguf::GgufFile;
using hearth::gguf::GgufWriter;
using hearth::gguf::Value;
using hearth::gguf::ValueType;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "gguf_reader_fuzz: invariant broken: %s\n", what);
  __builtin_trap();
}

// Sums over everything reachable from a value, so nothing is optimised away.
uint64_t walk(const Value& v) {
  uint64_t h = static_cast<uint64_t>(v.type());
  if (const Array* a = v.as_array()) {
    if (v.type() != ValueType::ARRAY) fail("array value with a scalar type");
    for (const auto& item : a->items) {
      if (item.type() != a->elem_type) fail("array item of the wrong type");
      h = h * 31 + walk(item);
    }
    return h;
  }
  if (const std::string* s = v.as_string()) {
    for (char c : *s) h = h * 31 + static_cast<uint8_t>(c);
  }
  if (auto u = v.as_uint()) h += *u;
  if (auto i = v.as_int()) h += static_cast<uint64_t>(*i);
  if (v.type() == ValueType::FLOAT32 || v.type() == ValueType::FLOAT64) {
    // NaN payloads may change through float -> double -> float; every other value may not.
    const double d = *v.as_float();
    uint64_t bits = 0x7ff8000000000000u;
    if (d == d) std::memcpy(&bits, &d, sizeof bits);
    h += bits;
  }
  if (auto b = v.as_bool()) h += *b;
  return h;
}

uint64_t touch(const GgufFile& f) {
  uint64_t h = f.version() + f.alignment() + f.data_offset();
  for (const auto& kv : f.metadata()) {
    if (f.find(kv.key) != &kv.value) fail("find() does not return the parsed value");
    h += walk(kv.value) + kv.value.to_display().size();
    h += f.get_uint(kv.key).is_ok() + f.get_int(kv.key).is_ok() + f.get_float(kv.key).is_ok() +
         f.get_bool(kv.key).is_ok() + f.get_string(kv.key).is_ok() + f.get_array(kv.key).is_ok();
  }
  for (const auto& t : f.tensors()) {
    if (f.find_tensor(t.name) != &t) fail("find_tensor() does not return the parsed tensor");
    if (t.ne.empty() || t.ne.size() > 4) fail("tensor rank out of range");
    if (!t.known_type) {
      if (t.data != nullptr || t.nbytes != 0) fail("unknown type with data");
      continue;
    }
    if (t.offset % f.alignment() != 0) fail("misaligned tensor accepted");
    if (t.data < f.bytes().data() || t.data + t.nbytes > f.bytes().data() + f.bytes().size()) {
      fail("tensor data outside the file");
    }
    h += t.data[0] + t.data[t.nbytes - 1];  // ASan checks both ends are inside the input
  }
  return h;
}

// The writer must reproduce what the reader parsed.
void check_round_trip(const GgufFile& f) {
  GgufWriter w(f.alignment());
  for (const auto& kv : f.metadata()) w.set(kv.key, kv.value);
  for (const auto& t : f.tensors()) {
    if (!t.known_type) return;  // the writer only takes types it knows
    if (!w.add_tensor(t.name, t.ne, t.dtype, {t.data, t.data + t.nbytes}).is_ok()) {
      fail("writer rejected a tensor the reader accepted");
    }
  }
  const std::vector<uint8_t> bytes = w.to_bytes();
  auto again = GgufFile::from_memory(bytes, "rewritten.gguf");
  if (!again.is_ok()) {
    std::fprintf(stderr, "%s\n", again.message().c_str());
    fail("rewritten file does not parse");
  }
  const GgufFile& g = **again;
  if (g.alignment() != f.alignment()) fail("alignment changed");
  if (g.tensors().size() != f.tensors().size()) fail("tensor count changed");
  for (size_t i = 0; i < f.tensors().size(); ++i) {
    const auto& a = f.tensors()[i];
    const auto& b = g.tensors()[i];
    if (a.name != b.name || a.ne != b.ne || a.type_id != b.type_id || a.nbytes != b.nbytes ||
        std::memcmp(a.data, b.data, a.nbytes) != 0) {
      fail("tensor changed in the round trip");
    }
  }
  // The writer may add general.alignment; every original key must come back unchanged.
  for (const auto& kv : f.metadata()) {
    const Value* v = g.find(kv.key);
    if (v == nullptr || v->type() != kv.value.type()) {
      if (kv.key != "general.alignment") fail("key lost or retyped in the round trip");
      continue;
    }
    if (walk(*v) != walk(kv.value) && kv.key != "general.alignment") fail("value changed");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = GgufFile::from_memory(std::span<const uint8_t>(data, size), "fuzz.gguf");
  if (!file.is_ok()) {
    if (file.message().empty()) fail("error without a message");
    return 0;
  }
  volatile uint64_t sink = touch(**file);
  (void)sink;
  check_round_trip(**file);
  return 0;
}

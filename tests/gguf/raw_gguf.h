// tests: builds GGUF byte images field by field, so tests can write files the writer never would.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace hearth::gguf::testing {

class RawGguf {
 public:
  RawGguf& u8(uint8_t v) { return raw(&v, 1); }
  RawGguf& u32(uint32_t v) { return raw(&v, 4); }
  RawGguf& u64(uint64_t v) { return raw(&v, 8); }
  RawGguf& str(const std::string& s) {
    u64(s.size());
    return raw(s.data(), s.size());
  }
  RawGguf& raw(const void* p, size_t n) {
    const size_t at = bytes.size();
    bytes.resize(at + n);
    if (n != 0) std::memcpy(bytes.data() + at, p, n);
    return *this;
  }
  // "GGUF", version, tensor count, key count.
  RawGguf& header(uint64_t n_tensors, uint64_t n_kvs, uint32_t version = 3) {
    raw("GGUF", 4);
    u32(version);
    u64(n_tensors);
    return u64(n_kvs);
  }
  RawGguf& kv_u32(const std::string& key, uint32_t v) { return str(key).u32(4).u32(v); }
  RawGguf& kv_str(const std::string& key, const std::string& v) { return str(key).u32(8).str(v); }
  RawGguf& tensor_info(const std::string& name, std::vector<uint64_t> ne, uint32_t type,
                       uint64_t offset) {
    str(name).u32(static_cast<uint32_t>(ne.size()));
    for (uint64_t d : ne) u64(d);
    return u32(type).u64(offset);
  }
  RawGguf& pad(uint64_t alignment) {
    bytes.resize((bytes.size() + alignment - 1) / alignment * alignment, 0);
    return *this;
  }
  RawGguf& zeros(size_t n) {
    bytes.resize(bytes.size() + n, 0);
    return *this;
  }

  std::vector<uint8_t> bytes;
};

}  // namespace hearth::gguf::testing

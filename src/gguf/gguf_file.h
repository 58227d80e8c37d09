// gguf: a read-only, memory-mapped GGUF file (v2/v3): metadata, tensor table, zero-copy data.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_value.h"
#include "tensor/dtype.h"

namespace hearth::gguf {

struct TensorInfo {
  std::string name;
  std::vector<uint64_t> ne;   // dims, fastest-varying first (ne[0] = row length)
  uint32_t type_id = 0;       // raw ggml type id as stored
  DType dtype = DType::F32;   // valid when known_type
  bool known_type = false;    // type id is one hearth knows the layout of
  uint64_t offset = 0;        // relative to the start of the data section
  uint64_t nbytes = 0;        // 0 for unknown types
  uint64_t n_elements = 0;
  const uint8_t* data = nullptr;  // points into the mapping; nullptr for unknown types
};

// Lets the name indexes below be searched with a string_view without building a string.
struct NameHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using NameIndex = std::unordered_map<std::string, size_t, NameHash, std::equal_to<>>;

struct KeyValue {
  std::string key;
  Value value;
};

class GgufFile {
 public:
  // Maps `path` read-only and validates header, metadata and tensor table against the size.
  static Result<std::unique_ptr<GgufFile>> open(const std::string& path);
  // Parses an in-memory image (the caller keeps `bytes` alive); used by the fuzzer and tests.
  static Result<std::unique_ptr<GgufFile>> from_memory(std::span<const uint8_t> bytes,
                                                       std::string name = "<memory>");
  ~GgufFile();
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  uint64_t file_size() const { return bytes_.size(); }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }
  // The whole file image (the mapping, or the caller's bytes for from_memory).
  std::span<const uint8_t> bytes() const { return bytes_; }

  const std::vector<KeyValue>& metadata() const { return kvs_; }  // file order
  const Value* find(std::string_view key) const;

  // Typed getters: the error names the key, the expected and the actual type.
  Result<uint64_t> get_uint(std::string_view key) const;
  Result<int64_t> get_int(std::string_view key) const;
  Result<double> get_float(std::string_view key) const;
  Result<bool> get_bool(std::string_view key) const;
  Result<std::string> get_string(std::string_view key) const;
  Result<const Array*> get_array(std::string_view key) const;
  // Defaults when the key is absent (a present key of the wrong type is still an error).
  Result<uint64_t> get_uint_or(std::string_view key, uint64_t fallback) const;
  Result<double> get_float_or(std::string_view key, double fallback) const;
  Result<bool> get_bool_or(std::string_view key, bool fallback) const;
  Result<std::string> get_string_or(std::string_view key, std::string fallback) const;

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find_tensor(std::string_view name) const;

 private:
  GgufFile() = default;
  friend class Parser;
  std::string path_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::span<const uint8_t> bytes_;
  void* map_ = nullptr;  // mmap base when opened from a file
  size_t map_size_ = 0;
  std::vector<KeyValue> kvs_;
  std::vector<TensorInfo> tensors_;
  NameIndex kv_index_;      // key -> position in kvs_
  NameIndex tensor_index_;  // name -> position in tensors_
};

}  // namespace hearth::gguf

// gguf: the bounds-checked parser behind GgufFile (internal to the module).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_file.h"

namespace hearth::gguf {

// Arrays nest at most this deep, so a hostile file cannot exhaust the stack.
inline constexpr int kMaxArrayDepth = 8;
inline constexpr uint32_t kMaxDims = 4;  // GGML_MAX_DIMS
inline constexpr uint64_t kDefaultAlignment = 32;

// Reads header, metadata and tensor table of `file.bytes_` into `file`. Every count, length and
// offset is checked against the bytes that remain before anything is allocated for it.
class Parser {
 public:
  explicit Parser(GgufFile& file);
  Status run();

 private:
  Status read_header(uint64_t& n_tensors, uint64_t& n_kvs);
  Status read_metadata(uint64_t n_kvs);
  Status read_value(ValueType type, int depth, Value& out);
  Status read_array(int depth, Value& out);
  Status read_string(std::string& out);
  Status apply_alignment();
  Status read_tensor_infos(uint64_t n_tensors);
  Status read_tensor_info(TensorInfo& t);
  Status place_tensor(TensorInfo& t);

  // Copies sizeof(T) little-endian bytes into `out`; false when fewer remain.
  template <typename T>
  bool take(T& out);
  uint64_t remaining() const { return bytes_.size() - pos_; }

  // Error helpers: the message starts with the file name and says what was being read.
  Status fail(const std::string& message) const;
  Status truncated(uint64_t needed) const;
  std::string where() const;  // "key 'a.b' item [3][17]" or "tensor 'x'"

  GgufFile& file_;
  std::span<const uint8_t> bytes_;
  uint64_t pos_ = 0;
  std::string context_;             // the key or tensor being read
  std::vector<uint64_t> item_path_;  // indices into nested arrays being read
};

}  // namespace hearth::gguf

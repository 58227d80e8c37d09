// model/synth: a GGUF v3 writer whose tensor data arrives in pieces, in table order, straight
// to disk. gguf::GgufWriter keeps every tensor in memory until it writes; a 1B-parameter model
// written that way would need its whole size in RAM (twice), this needs one piece.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_file.h"
#include "tensor/dtype.h"

namespace hearth::synth {

struct TensorDecl {
  std::string name;
  std::vector<uint64_t> ne;  // ne[0] (the row length) first
  DType dtype = DType::F32;
};

class GgufStreamWriter {
 public:
  // Writes header, metadata and tensor table to `path`.tmp; the data follows with write().
  static Result<std::unique_ptr<GgufStreamWriter>> create(const std::string& path,
                                                          const std::vector<gguf::KeyValue>& kvs,
                                                          std::vector<TensorDecl> tensors);
  // Closes and deletes the temporary file unless finish() succeeded.
  ~GgufStreamWriter();
  GgufStreamWriter(const GgufStreamWriter&) = delete;
  GgufStreamWriter& operator=(const GgufStreamWriter&) = delete;

  // Appends the next `n` bytes of tensor data. A tensor's last byte is followed by the padding
  // that aligns the next one; a piece may not run past the current tensor.
  Status write(const void* data, uint64_t n);
  // Checks every tensor got all its bytes, then renames `path`.tmp to `path`.
  Status finish();

  uint64_t bytes_written() const { return bytes_written_; }
  static constexpr uint64_t kAlignment = 32;

 private:
  GgufStreamWriter() = default;
  Status put(const void* data, uint64_t n);

  std::string path_, tmp_path_;
  std::FILE* file_ = nullptr;
  std::vector<TensorDecl> tensors_;
  std::vector<uint64_t> nbytes_;  // data bytes of each tensor
  size_t current_ = 0;            // tensor being written
  uint64_t current_done_ = 0;     // its bytes written so far
  uint64_t bytes_written_ = 0;
  bool finished_ = false;
};

}  // namespace hearth::synth

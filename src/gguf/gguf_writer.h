// gguf: writes GGUF v3 files (tests, `hearth synth`, later tools).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_value.h"
#include "tensor/dtype.h"

namespace hearth::gguf {

class GgufWriter {
 public:
  explicit GgufWriter(uint64_t alignment = 32) : alignment_(alignment) {}

  void set(std::string key, Value value);  // replaces an existing key, else appends
  // Adds a tensor; `data` must hold exactly row_bytes(dtype, ne[0]) * rows bytes.
  Status add_tensor(std::string name, std::vector<uint64_t> ne, DType dtype,
                    std::vector<uint8_t> data);

  // Serialises header, metadata (general.alignment written when not 32), tensor infos and
  // aligned data.
  std::vector<uint8_t> to_bytes() const;
  Status write_file(const std::string& path) const;

 private:
  struct PendingTensor {
    std::string name;
    std::vector<uint64_t> ne;
    DType dtype;
    std::vector<uint8_t> data;
  };
  uint64_t alignment_;
  std::vector<std::pair<std::string, Value>> kvs_;
  std::vector<PendingTensor> tensors_;
};

}  // namespace hearth::gguf

// Test-only: finds tensors in a GGUF v2/v3 file without the gguf module, so that the kernel
// tests depend only on the kernels (and the reference data).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace hearth::testing {

struct TestTensor {
  std::string name;
  std::vector<uint64_t> ne;
  uint32_t type_id = 0;
  uint64_t offset = 0;  // from the start of the data section
};

struct TestGguf {
  std::vector<uint8_t> bytes;  // the whole file
  uint64_t data_offset = 0;
  std::vector<TestTensor> tensors;

  const TestTensor* find(const std::string& name) const;
  const uint8_t* data(const TestTensor& t) const { return bytes.data() + data_offset + t.offset; }
};

// Reads the whole file and parses header, metadata (skipped, except general.alignment) and
// the tensor table. Tensor data ranges are not validated here; callers check them.
Result<TestGguf> read_test_gguf(const std::string& path);

}  // namespace hearth::testing

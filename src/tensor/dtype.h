// tensor: element types as GGUF stores them (ggml type ids), with their block layouts' sizes.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace hearth {

// Values are the on-disk ggml type ids; do not renumber.
enum class DType : uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
  Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
  IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22,
  IQ4_XS = 23, I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30,
  TQ1_0 = 34, TQ2_0 = 35, MXFP4 = 39,
};

struct DTypeTraits {
  std::string_view name;   // "Q4_K"
  uint32_t block_elems;    // elements per block (1 for plain types)
  uint32_t block_bytes;    // bytes per block
  bool computable;         // hearth has dequantisation and dot kernels for it
};

// Traits of a known type id, or nullopt for an id hearth does not know at all.
std::optional<DTypeTraits> dtype_traits(uint32_t type_id);
const DTypeTraits& traits(DType t);  // t must be a known type
std::string_view dtype_name(DType t);
std::optional<DType> dtype_from_name(std::string_view name);  // "q4_k" or "Q4_K"

// Bytes of a row of n elements; nullopt if n is not a multiple of the block size.
std::optional<uint64_t> row_bytes(DType t, uint64_t n);

}  // namespace hearth

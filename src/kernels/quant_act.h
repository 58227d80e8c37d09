// kernels: activation rows quantised once per matmul for the integer dot products, and which
// format each weight type pairs with (as llama.cpp's CPU backend pairs them).
//
// A quantised row is a structure of arrays, so that every 32-byte group of codes sits on a
// 32-byte boundary:
//   Q8_0 (32-element blocks):  int8 qs[cols] | float d[cols/32] | float s[cols/32]
//        x ~ d * q; d is rounded to f16 as in ggml's block_q8_0; s = d * sum(q) (ggml's
//        block_q8_1 sum, used by the types with an offset: Q4_0, Q4_1, Q5_0, Q5_1, MXFP4).
//   Q8_K (256-element blocks): int8 qs[cols] | float d[cols/256] | int16 bsums[cols/16]
//        x ~ d * q; bsums are the sums of q over each 16 elements (the k-quants' min terms).
//   F32 (float weights):       a copy of the activations, zero-padded: kernels read whole
//        8-float vectors.
// Rows are padded to an odd number of 64-byte lines. These helpers are integer-only on purpose: the ISA files
// include this header too (see x86_avx2/avx2_common.h on why that matters).
#pragma once

#include <cstdint>

#include "tensor/dtype.h"

namespace hearth::kernels {

enum class ActFormat : uint8_t { kF32, kQ8_0, kQ8_K };

inline constexpr int64_t kActRowAlign = 64;

constexpr ActFormat act_format_for(DType t) {
  switch (t) {
    case DType::Q4_0: case DType::Q4_1: case DType::Q5_0: case DType::Q5_1: case DType::Q8_0:
    case DType::IQ4_NL: case DType::MXFP4:
      return ActFormat::kQ8_0;
    case DType::Q2_K: case DType::Q3_K: case DType::Q4_K: case DType::Q5_K: case DType::Q6_K:
    case DType::IQ4_XS:
      return ActFormat::kQ8_K;
    default:
      return ActFormat::kF32;
  }
}

// Elements per scale of a format (1 for f32).
constexpr int64_t act_block_elems(ActFormat f) {
  return f == ActFormat::kQ8_0 ? 32 : f == ActFormat::kQ8_K ? 256 : 1;
}

// Bytes of one activation row of `cols` elements (cols a multiple of the block size).
constexpr int64_t act_row_bytes(ActFormat f, int64_t cols) {
  int64_t bytes = 0;
  switch (f) {
    case ActFormat::kF32: bytes = cols * 4; break;
    case ActFormat::kQ8_0: bytes = cols + (cols / 32) * 8; break;
    case ActFormat::kQ8_K: bytes = cols + (cols / 256) * 4 + (cols / 16) * 2; break;
  }
  bytes = (bytes + kActRowAlign - 1) / kActRowAlign * kActRowAlign;
  // An odd number of cache lines: rows a power of two apart (cols = 4096, 14336 ...) would
  // all map to the same cache sets, and a tile reading several of them would thrash.
  if ((bytes / kActRowAlign) % 2 == 0) bytes += kActRowAlign;
  return bytes;
}

struct Q8_0Row {
  int8_t* qs;
  float* d;
  float* s;
};
struct Q8_KRow {
  int8_t* qs;
  float* d;
  int16_t* bsums;
};

inline Q8_0Row q8_0_row(uint8_t* row, int64_t cols) {
  auto* d = reinterpret_cast<float*>(row + cols);
  return {reinterpret_cast<int8_t*>(row), d, d + cols / 32};
}
inline Q8_KRow q8_k_row(uint8_t* row, int64_t cols) {
  auto* d = reinterpret_cast<float*>(row + cols);
  return {reinterpret_cast<int8_t*>(row), d, reinterpret_cast<int16_t*>(d + cols / 256)};
}
// Read-only views (the kernels' side).
struct Q8_0CRow {
  const int8_t* qs;
  const float* d;
  const float* s;
};
struct Q8_KCRow {
  const int8_t* qs;
  const float* d;
  const int16_t* bsums;
};
inline Q8_0CRow q8_0_row(const uint8_t* row, int64_t cols) {
  const auto* d = reinterpret_cast<const float*>(row + cols);
  return {reinterpret_cast<const int8_t*>(row), d, d + cols / 32};
}
inline Q8_KCRow q8_k_row(const uint8_t* row, int64_t cols) {
  const auto* d = reinterpret_cast<const float*>(row + cols);
  return {reinterpret_cast<const int8_t*>(row), d, reinterpret_cast<const int16_t*>(d + cols / 256)};
}

}  // namespace hearth::kernels

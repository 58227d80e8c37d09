// kernels: activation rows quantised once per matmul for the integer dot products, and which
// format each weight type pairs with (as llama.cpp's CPU backend pairs them).
//
// A quantised row is a sequence of 320-byte groups, one per 256 elements, so that any run of
// blocks (a panel's slice of the row) is contiguous and every 32 codes sit on a 32-byte line:
//   Q8_0 (32-element blocks, 8 per group):
//        int8 qs[8][32] | float d[8] | float s[8]
//        x ~ d * q; d is rounded to f16 as in ggml's block_q8_0; s = d * sum(q) (ggml's
//        block_q8_1 sum, used by the types with an offset: Q4_0, Q4_1, Q5_0, Q5_1, MXFP4).
//        A row whose length is not a multiple of 256 ends in a partial group (same offsets).
//   Q8_K (256-element blocks, 1 per group):
//        int8 qs[256] | float d | 28 unused bytes | int16 bsums[16]
//        x ~ d * q; bsums are the sums of q over each 16 elements (the k-quants' min terms).
//   F32 (float weights): a copy of the activations, zero-padded: kernels read whole 8-float
//        vectors.
// Rows are padded to an odd number of 64-byte lines. These helpers are integer-only on
// purpose: the ISA files include this header too (see x86_avx2/avx2_common.h on why).
#pragma once

#include <cstdint>

#include "tensor/dtype.h"

namespace hearth::kernels {

enum class ActFormat : uint8_t { kF32, kQ8_0, kQ8_K };

inline constexpr int64_t kActRowAlign = 64;
inline constexpr int64_t kActGroupElems = 256;
inline constexpr int64_t kActGroupBytes = 320;

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
  int64_t bytes = f == ActFormat::kF32
                      ? cols * 4
                      : (cols + kActGroupElems - 1) / kActGroupElems * kActGroupBytes;
  bytes = (bytes + kActRowAlign - 1) / kActRowAlign * kActRowAlign;
  // An odd number of cache lines: rows a power of two apart would all map to the same cache
  // sets, and a tile reading several of them would thrash.
  if ((bytes / kActRowAlign) % 2 == 0) bytes += kActRowAlign;
  return bytes;
}

// ---- Q8_0: block b of a row ---------------------------------------------------------------

inline constexpr int64_t q8_0_group_offset(int64_t b) { return (b / 8) * kActGroupBytes; }
inline const int8_t* q8_0_qs(const uint8_t* row, int64_t b) {
  return reinterpret_cast<const int8_t*>(row + q8_0_group_offset(b) + (b % 8) * 32);
}
// d of blocks b .. b + 7 - b % 8 are contiguous (the rest of b's group).
inline const float* q8_0_d(const uint8_t* row, int64_t b) {
  return reinterpret_cast<const float*>(row + q8_0_group_offset(b) + 256 + (b % 8) * 4);
}
inline const float* q8_0_s(const uint8_t* row, int64_t b) {
  return reinterpret_cast<const float*>(row + q8_0_group_offset(b) + 288 + (b % 8) * 4);
}
inline int8_t* q8_0_qs(uint8_t* row, int64_t b) {
  return const_cast<int8_t*>(q8_0_qs(static_cast<const uint8_t*>(row), b));
}
inline float* q8_0_d(uint8_t* row, int64_t b) {
  return const_cast<float*>(q8_0_d(static_cast<const uint8_t*>(row), b));
}
inline float* q8_0_s(uint8_t* row, int64_t b) {
  return const_cast<float*>(q8_0_s(static_cast<const uint8_t*>(row), b));
}

// ---- Q8_K: super-block sb of a row --------------------------------------------------------

inline const int8_t* q8_k_qs(const uint8_t* row, int64_t sb) {
  return reinterpret_cast<const int8_t*>(row + sb * kActGroupBytes);
}
inline const float* q8_k_d(const uint8_t* row, int64_t sb) {
  return reinterpret_cast<const float*>(row + sb * kActGroupBytes + 256);
}
inline const int16_t* q8_k_bsums(const uint8_t* row, int64_t sb) {
  return reinterpret_cast<const int16_t*>(row + sb * kActGroupBytes + 288);
}
inline int8_t* q8_k_qs(uint8_t* row, int64_t sb) {
  return const_cast<int8_t*>(q8_k_qs(static_cast<const uint8_t*>(row), sb));
}
inline float* q8_k_d(uint8_t* row, int64_t sb) {
  return const_cast<float*>(q8_k_d(static_cast<const uint8_t*>(row), sb));
}
inline int16_t* q8_k_bsums(uint8_t* row, int64_t sb) {
  return const_cast<int16_t*>(q8_k_bsums(static_cast<const uint8_t*>(row), sb));
}

}  // namespace hearth::kernels

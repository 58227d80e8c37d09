// kernels/ref: per-type block dequantisers behind ref::dequantize_row (internal to kernels).
#pragma once

#include <cstdint>

#include "tensor/dtype.h"

namespace hearth::kernels::ref {

// Dequantises n_blocks consecutive blocks starting at src into dst
// (n_blocks * block_elems floats). Plain types have blocks of one element.
using DequantBlocksFn = void (*)(const uint8_t* src, float* dst, int64_t n_blocks);

// The i-th block of an array of blocks; the block structs are byte arrays (alignment 1).
template <typename Block>
const Block* block_at(const uint8_t* src, int64_t i) {
  return reinterpret_cast<const Block*>(src + i * static_cast<int64_t>(sizeof(Block)));
}

// The dequantiser of a computable type, or nullptr.
DequantBlocksFn dequant_blocks_fn(DType t);

// ref_float.cpp
void dequant_f32(const uint8_t* src, float* dst, int64_t n);
void dequant_f16(const uint8_t* src, float* dst, int64_t n);
void dequant_bf16(const uint8_t* src, float* dst, int64_t n);

// ref_legacy.cpp: 32-element blocks with one scale (and offset).
void dequant_q4_0(const uint8_t* src, float* dst, int64_t n_blocks);
void dequant_q4_1(const uint8_t* src, float* dst, int64_t n_blocks);
void dequant_q5_0(const uint8_t* src, float* dst, int64_t n_blocks);
void dequant_q5_1(const uint8_t* src, float* dst, int64_t n_blocks);
void dequant_q8_0(const uint8_t* src, float* dst, int64_t n_blocks);

// ref_kquants.cpp: 256-element super-blocks with packed sub-block scales.
void dequant_q2_k(const uint8_t* src, float* dst, int64_t n_blocks);
void dequant_q3_k(const uint8_t* src, float* dst, int64_t n_blocks);
void dequant_q4_k(const uint8_t* src, float* dst, int64_t n_blocks);
void dequant_q5_k(const uint8_t* src, float* dst, int64_t n_blocks);
void dequant_q6_k(const uint8_t* src, float* dst, int64_t n_blocks);

// ref_lookup.cpp: types whose codes index a value table (IQ4_NL, IQ4_XS, MXFP4).
void dequant_iq4_nl(const uint8_t* src, float* dst, int64_t n_blocks);
void dequant_iq4_xs(const uint8_t* src, float* dst, int64_t n_blocks);
void dequant_mxfp4(const uint8_t* src, float* dst, int64_t n_blocks);

}  // namespace hearth::kernels::ref

// kernels/ref: the scalar twins of the fast integer kernels. Activations are quantised to
// Q8_0 or Q8_K rows (kernels/quant_act.h) and each block's dot product is summed in integers,
// then scaled in f32, as in llama.cpp's CPU backend. The fast kernels must agree with these
// up to the order of the f32 sums; ref::dot_row (exact f32) stays the numerical reference.
#pragma once

#include <cstdint>

#include "kernels/quant_act.h"
#include "tensor/dtype.h"

namespace hearth::kernels::ref {

// Quantise one row of `cols` activations (a multiple of 32, resp. 256) into dst
// (act_row_bytes(format, cols) bytes).
//   Q8_0: per 32: d = amax / 127 (stored rounded to f16), q = nearest-even(x * 127 / amax).
//   Q8_K: per 256: m = the element of largest magnitude (the positive one on a tie),
//         q = nearest-even(x * -127 / m), d = 1 / (-127 / m) (f32), bsums per 16.
// Codes are clamped to [-127, 127].
void quantize_row_q8_0(const float* x, int64_t cols, uint8_t* dst);
void quantize_row_q8_k(const float* x, int64_t cols, uint8_t* dst);

// Dequantises a quantised activation row (the values the integer kernels multiply).
void dequantize_act_row(ActFormat f, const uint8_t* row, int64_t cols, float* dst);

// The dot product of one weight row of type t (cols elements) with one activation row
// quantised to act_format_for(t), which must be Q8_0 or Q8_K.
float dot_row_q8(DType t, const void* w_row, const uint8_t* act_row, int64_t cols);

}  // namespace hearth::kernels::ref

// kernels/ref: plain scalar dequantisation and dot products, the reference every fast path
// is tested against.
#pragma once

#include <cstdint>

#include "tensor/dtype.h"

namespace hearth::kernels::ref {

// Dequantises n elements (a multiple of the type's block size) of type t into dst.
// t must be computable (traits(t).computable).
void dequantize_row(DType t, const void* src, float* dst, int64_t n);

// Dot product of one row of type t (n elements) with f32 activations x.
float dot_row(DType t, const void* row, const float* x, int64_t n);

}  // namespace hearth::kernels::ref

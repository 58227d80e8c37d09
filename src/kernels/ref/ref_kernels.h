// kernels/ref: plain scalar dequantisation and dot products, the reference every fast path
// is tested against.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "tensor/dtype.h"

namespace hearth::kernels::ref {

// Whether rows of n elements of type t can be handed to the kernels: t is computable and n a
// non-negative multiple of its block size. Loaders call this once per tensor; the kernels
// themselves only CHECK these preconditions.
Status validate_row(DType t, int64_t n);

// Dequantises n elements (a multiple of the type's block size) of type t into dst.
// t must be computable (traits(t).computable).
void dequantize_row(DType t, const void* src, float* dst, int64_t n);

// Dot product of one row of type t (n elements) with f32 activations x.
float dot_row(DType t, const void* row, const float* x, int64_t n);

}  // namespace hearth::kernels::ref

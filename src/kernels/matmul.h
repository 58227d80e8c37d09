// kernels: matrix products of quantised weights with f32 activations (the model's hot path).
#pragma once

#include <cstdint>

#include "tensor/dtype.h"

namespace hearth::kernels {

// y[t * rows + r] = dot(W[r, :], x[t * cols + :]) for r < rows, t < n_tokens.
// W is `rows` rows of `cols` elements of type `wtype`, rows stored contiguously.
void matmul(DType wtype, const void* w, int64_t rows, int64_t cols, const float* x,
            int64_t n_tokens, float* y);

// Sets the number of worker threads kernels may use (default: hardware concurrency).
void set_num_threads(int n);
int num_threads();

}  // namespace hearth::kernels

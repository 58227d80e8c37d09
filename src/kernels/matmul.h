// kernels: matrix products of quantised weights with f32 activations (the model's hot path).
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "kernels/interleave.h"
#include "tensor/dtype.h"

namespace hearth {
class ThreadPool;
}

namespace hearth::kernels {

// y[t * rows + r] = dot(W[r, :], x[t * cols + :]) for r < rows, t < n_tokens.
// W is `rows` rows of `cols` elements of type `wtype`, rows stored contiguously, or in groups
// of 8 interleaved rows (kernels/interleave.h).
void matmul(DType wtype, const void* w, int64_t rows, int64_t cols, const float* x,
            int64_t n_tokens, float* y, WeightLayout layout = WeightLayout::kRows);

// One product of a group: y = W x as in matmul.
struct MatmulJob {
  DType wtype;
  const void* w;
  int64_t rows, cols;
  const float* x;
  int64_t n_tokens;
  float* y;
  WeightLayout layout = WeightLayout::kRows;
};

// Runs independent products as one parallel loop (one wake-up of the thread pool instead of
// one per product): the experts of a MoE layer, or projections that share their input. Jobs
// with the same x, shape and activation format share one quantised copy of it. Outputs must
// not overlap.
void matmul_group(std::span<const MatmulJob> jobs);

// True when matmul with the selected kernels quantises the activations for `wtype` itself, the
// way the reference does (Q8_0 / Q8_K blocks): callers need not round them first.
bool quantizes_activations(DType wtype, WeightLayout layout = WeightLayout::kRows);

// Sets the number of worker threads kernels may use (default: hardware concurrency).
void set_num_threads(int n);
int num_threads();
// The kernels' persistent pool (num_threads() threads), for other parallel work of the model
// (attention): one pool per process, so spinning workers never compete with each other.
std::shared_ptr<ThreadPool> shared_pool();

}  // namespace hearth::kernels

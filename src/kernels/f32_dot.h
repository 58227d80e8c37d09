// kernels: the f32 dot-product accumulator shared by the reference dot and matmul.
#pragma once

#include <cstdint>

namespace hearth::kernels {

// Eight independent partial sums: element i always goes to lane i % 8, so a row summed in
// chunks (each starting at a multiple of 8) gives bit for bit the result of summing it whole.
// That makes dot_row and matmul agree exactly. The fixed-width inner loop lets the compiler
// use vector registers without reassociating floating-point sums on its own.
class DotAccumulator {
 public:
  static constexpr int kLanes = 8;

  // Adds a[i] * b[i] for i < n; a chunk must start at a multiple of kLanes within the row.
  void add(const float* a, const float* b, int64_t n) {
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
      for (int k = 0; k < kLanes; ++k) lanes_[k] += a[i + k] * b[i + k];
    for (int k = 0; i < n; ++i, ++k) lanes_[k] += a[i] * b[i];
  }

  float total() const {
    return ((lanes_[0] + lanes_[4]) + (lanes_[1] + lanes_[5])) +
           ((lanes_[2] + lanes_[6]) + (lanes_[3] + lanes_[7]));
  }

 private:
  float lanes_[kLanes] = {};
};

// Dot product of two f32 arrays of n elements.
inline float dot_f32(const float* a, const float* b, int64_t n) {
  DotAccumulator acc;
  acc.add(a, b, n);
  return acc.total();
}

}  // namespace hearth::kernels

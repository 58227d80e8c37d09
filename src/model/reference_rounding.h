// model: rounding activations as llama.cpp's CPU backend does before a product with weights of
// a given type (it first converts them to that type's dot-product partner: F16, BF16, Q8_0 or
// Q8_K). Exact f32 activations drift by up to ~0.3 on logits from the reference; rounded ones
// track it to a few hundredths, so MoE routers near a tie pick the reference's experts.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "model/weights.h"
#include "tensor/dtype.h"

namespace hearth {

enum class ActivationRounding { kNone, kF16, kBF16, kQ8_0, kQ8_K };

ActivationRounding activation_rounding_for(DType weight_type);

// Rounds `rows` rows of `cols` activations into out (which may alias x). Q8 roundings need cols
// to be a multiple of their block (32, 256); other rows are copied unchanged.
void round_activations(ActivationRounding r, const float* x, int64_t rows, int64_t cols,
                       float* out);

// kernels::matmul of the 2-D weight w (ne[1] rows of ne[0]) with x, the activations rounded
// first as the reference does (into `scratch`, grown as needed).
void matmul_like_reference(const Weight& w, const float* x, int64_t n_tokens, float* y,
                           std::vector<float>& scratch);

// y = w x for several weights with the same input: one parallel pass of the kernels (and one
// quantised copy of x) for all those that take x as it is; the same results as one
// matmul_like_reference each.
struct SharedInputProduct {
  const Weight* w;
  float* y;
};
void matmul_shared_input_like_reference(std::span<const SharedInputProduct> products, const float* x,
                                        int64_t n_tokens, std::vector<float>& scratch);

}  // namespace hearth

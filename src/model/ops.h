// model: the small row-wise operations of a forward pass (norms, rope, activations, softmax).
// Plain loops: the heavy products go through kernels::matmul.
#pragma once

#include <cstdint>
#include <span>

#include "model/model_config.h"

namespace hearth::ops {

// y = x / sqrt(mean(x^2) + eps) * w (w may be null: no scale). y may alias x.
void rms_norm(const float* x, const float* w, float eps, int64_t n, float* y);
// y = (x - mean) / sqrt(var + eps) * w + b (w, b may be null). y may alias x.
void layer_norm(const float* x, const float* w, const float* b, float eps, int64_t n, float* y);
// The config's norm kind over `rows` rows of n.
void norm_rows(NormKind kind, const float* x, const float* w, const float* b, float eps,
               int64_t rows, int64_t n, float* y);

// y[r, :] += b for each of `rows` rows of n.
void add_bias(float* y, const float* b, int64_t rows, int64_t n);
void add(float* y, const float* x, int64_t n);  // y += x
void scale(float* y, float s, int64_t n);

float apply_activation(Activation a, float x);
// up[i] = act(gate[i]) * up[i]: the gated FFN's elementwise step.
void gated_activation(Activation a, const float* gate, float* up, int64_t n);
void activation(Activation a, float* x, int64_t n);

// In-place softmax; returns nothing, the input's max is subtracted for stability.
void softmax(float* x, int64_t n);
// log(sum(exp(x))) in double precision.
double log_sum_exp(std::span<const float> x);

// Rotation angles of one position: cos/sin[i] for pair i < n_rot/2. theta_i =
// pos * freq_scale * base^(-2i/n_rot) / factors[i] (factors may be null), in f32 as the
// reference computes it.
void rope_angles(int64_t pos, int32_t n_rot, float base, float freq_scale, const float* factors,
                 float* cos_out, float* sin_out);
// Rotates the first n_rot dims of one head; normal style pairs (2i, 2i+1), NEOX (i, i+n_rot/2).
void rope_head(RopeStyle style, float* head, int32_t n_rot, const float* cos_v, const float* sin_v);

}  // namespace hearth::ops

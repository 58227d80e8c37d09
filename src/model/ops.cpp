// model: row-wise operations of the forward pass.
#include "model/ops.h"

#include <algorithm>
#include <cmath>

#include "tensor/fp16.h"

namespace hearth::ops {

// The float/double split follows llama.cpp's CPU norms: squares in f32 summed in f64, the mean
// and scale in f32, so the results round the way the reference's do.
void rms_norm(const float* x, const float* w, float eps, int64_t n, float* y) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(mean + eps);
  if (w) {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * w[i];
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale;
  }
}

void layer_norm(const float* x, const float* w, const float* b, float eps, int64_t n, float* y) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += x[i];
  const float mean = static_cast<float>(sum) / static_cast<float>(n);
  double sq = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i] - mean;
    y[i] = v;
    sq += static_cast<double>(v * v);
  }
  const float variance = static_cast<float>(sq / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(variance + eps);
  for (int64_t i = 0; i < n; ++i) {
    float v = y[i] * scale;
    if (w) v *= w[i];
    if (b) v += b[i];
    y[i] = v;
  }
}

void norm_rows(NormKind kind, const float* x, const float* w, const float* b, float eps,
               int64_t rows, int64_t n, float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    if (kind == NormKind::kRms) {
      rms_norm(x + r * n, w, eps, n, y + r * n);
      if (b) add(y + r * n, b, n);
    } else {
      layer_norm(x + r * n, w, b, eps, n, y + r * n);
    }
  }
}

void add_bias(float* y, const float* b, int64_t rows, int64_t n) {
  for (int64_t r = 0; r < rows; ++r) add(y + r * n, b, n);
}

void add(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

void scale(float* y, float s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] *= s;
}

float apply_activation(Activation a, float x) {
  switch (a) {
    case Activation::kSilu:
      return x / (1.0f + std::exp(-x));
    case Activation::kGeluTanh: {
      // llama.cpp reads GELU from a table indexed by the f16 input and holding f16 outputs
      // (exact beyond |x| >= 10); computing the table entry keeps the same rounding.
      if (x <= -10.0f) return 0.0f;
      if (x >= 10.0f) return x;
      const float h = fp16_to_f32(f32_to_fp16(x));
      constexpr float kSqrt2OverPi = 0.79788456080286535588f;
      const float g = 0.5f * h * (1.0f + std::tanh(kSqrt2OverPi * h * (1.0f + 0.044715f * h * h)));
      return fp16_to_f32(f32_to_fp16(g));
    }
    case Activation::kGelu:
      return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752440f));
  }
  return x;
}

void gated_activation(Activation a, const float* gate, float* up, int64_t n) {
  for (int64_t i = 0; i < n; ++i) up[i] *= apply_activation(a, gate[i]);
}

void activation(Activation a, float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = apply_activation(a, x[i]);
}

void softmax(float* x, int64_t n) {
  if (n <= 0) return;
  const float mx = *std::max_element(x, x + n);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - mx);
    sum += x[i];
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

double log_sum_exp(std::span<const float> x) {
  if (x.empty()) return -INFINITY;
  const double mx = *std::max_element(x.begin(), x.end());
  if (!std::isfinite(mx)) return mx;
  double sum = 0.0;
  for (float v : x) sum += std::exp(static_cast<double>(v) - mx);
  return mx + std::log(sum);
}

void rope_angles(int64_t pos, int32_t n_rot, float base, float freq_scale, const float* factors,
                 float* cos_out, float* sin_out) {
  // As llama.cpp computes them, in f32: theta_i = pos * base^(-2i/n_rot) by repeated
  // multiplication, divided by the factor, times the linear scale.
  const float theta_scale = std::pow(base, -2.0f / static_cast<float>(n_rot));
  float theta = static_cast<float>(pos);
  for (int32_t i = 0; i < n_rot / 2; ++i) {
    const float t = freq_scale * (factors ? theta / factors[i] : theta);
    cos_out[i] = std::cos(t);
    sin_out[i] = std::sin(t);
    theta *= theta_scale;
  }
}

void rope_head(RopeStyle style, float* head, int32_t n_rot, const float* cos_v,
               const float* sin_v) {
  const int32_t half = n_rot / 2;
  for (int32_t i = 0; i < half; ++i) {
    const int32_t a = style == RopeStyle::kNeox ? i : 2 * i;
    const int32_t b = style == RopeStyle::kNeox ? i + half : 2 * i + 1;
    const float x0 = head[a], x1 = head[b];
    head[a] = x0 * cos_v[i] - x1 * sin_v[i];
    head[b] = x0 * sin_v[i] + x1 * cos_v[i];
  }
}

}  // namespace hearth::ops

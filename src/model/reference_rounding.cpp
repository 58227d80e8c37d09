// model: activation rounding as the reference applies it (see reference_rounding.h).
#include "model/reference_rounding.h"

#include <algorithm>
#include <cmath>

#include "kernels/matmul.h"
#include "tensor/fp16.h"

namespace hearth {
namespace {

// Q8_0 / Q8_1: blocks of 32, d = amax / 127 stored as f16, q = round(x / d) (half away from 0).
void round_q8_0(const float* x, int64_t n, float* out) {
  constexpr int64_t kBlock = 32;
  for (int64_t b = 0; b < n; b += kBlock) {
    float amax = 0.0f;
    for (int64_t j = 0; j < kBlock; ++j) amax = std::max(amax, std::fabs(x[b + j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const float d16 = fp16_to_f32(f32_to_fp16(d));
    for (int64_t j = 0; j < kBlock; ++j) out[b + j] = std::round(x[b + j] * id) * d16;
  }
}

// Q8_K: blocks of 256, scale from the signed value of largest magnitude, f32 scale,
// q = nearest (half to even) of x * -127/max, at most 127.
void round_q8_k(const float* x, int64_t n, float* out) {
  constexpr int64_t kBlock = 256;
  for (int64_t b = 0; b < n; b += kBlock) {
    float amax = 0.0f, max = 0.0f;
    for (int64_t j = 0; j < kBlock; ++j) {
      const float ax = std::fabs(x[b + j]);
      if (ax > amax) {
        amax = ax;
        max = x[b + j];
      }
    }
    if (amax == 0.0f) {
      std::fill(out + b, out + b + kBlock, 0.0f);
      continue;
    }
    const float iscale = -127.0f / max;
    const float d = 1.0f / iscale;
    for (int64_t j = 0; j < kBlock; ++j) {
      const float q = std::min(127.0f, std::nearbyint(iscale * x[b + j]));
      out[b + j] = q * d;
    }
  }
}

}  // namespace

ActivationRounding activation_rounding_for(DType t) {
  switch (t) {
    case DType::F16: return ActivationRounding::kF16;
    case DType::BF16: return ActivationRounding::kBF16;
    case DType::Q4_0: case DType::Q4_1: case DType::Q5_0: case DType::Q5_1: case DType::Q8_0:
    case DType::Q8_1: case DType::IQ4_NL: case DType::MXFP4:
      return ActivationRounding::kQ8_0;
    case DType::Q2_K: case DType::Q3_K: case DType::Q4_K: case DType::Q5_K: case DType::Q6_K:
    case DType::IQ2_XXS: case DType::IQ2_XS: case DType::IQ3_XXS: case DType::IQ1_S:
    case DType::IQ3_S: case DType::IQ2_S: case DType::IQ4_XS: case DType::IQ1_M:
    case DType::TQ1_0: case DType::TQ2_0:
      return ActivationRounding::kQ8_K;
    default:
      return ActivationRounding::kNone;
  }
}

void round_activations(ActivationRounding r, const float* x, int64_t rows, int64_t cols,
                       float* out) {
  const int64_t n = rows * cols;
  switch (r) {
    case ActivationRounding::kNone:
      break;
    case ActivationRounding::kF16:
      for (int64_t i = 0; i < n; ++i) out[i] = fp16_to_f32(f32_to_fp16(x[i]));
      return;
    case ActivationRounding::kBF16:
      for (int64_t i = 0; i < n; ++i) out[i] = bf16_to_f32(f32_to_bf16(x[i]));
      return;
    case ActivationRounding::kQ8_0:
      if (cols % 32 != 0) break;
      round_q8_0(x, n, out);
      return;
    case ActivationRounding::kQ8_K:
      if (cols % 256 != 0) break;
      round_q8_k(x, n, out);
      return;
  }
  if (out != x) std::copy(x, x + n, out);
}

namespace {

// The integer kernels quantise to the same Q8_0 / Q8_K blocks themselves (their quantisers
// match the reference byte for byte, tests/kernels): rounding first would do it twice.
bool takes_activations_as_they_are(const Weight& w) {
  return activation_rounding_for(w.dtype) == ActivationRounding::kNone ||
         kernels::quantizes_activations(w.dtype, w.layout);
}

}  // namespace

void matmul_like_reference(const Weight& w, const float* x, int64_t n_tokens, float* y,
                           std::vector<float>& scratch) {
  const DType wtype = w.dtype;
  const int64_t rows = w.ne[1], cols = w.ne[0];
  const ActivationRounding r = activation_rounding_for(wtype);
  if (takes_activations_as_they_are(w)) {
    kernels::matmul(wtype, w.data, rows, cols, x, n_tokens, y, w.layout);
    return;
  }
  const size_t n = static_cast<size_t>(n_tokens * cols);
  if (scratch.size() < n) scratch.resize(n);
  round_activations(r, x, n_tokens, cols, scratch.data());
  kernels::matmul(wtype, w.data, rows, cols, scratch.data(), n_tokens, y, w.layout);
}

void matmul_shared_input_like_reference(std::span<const SharedInputProduct> products, const float* x,
                                        int64_t n_tokens, std::vector<float>& scratch) {
  thread_local std::vector<kernels::MatmulJob> jobs;
  jobs.clear();
  for (const SharedInputProduct& p : products) {
    const Weight& w = *p.w;
    if (takes_activations_as_they_are(w)) {
      jobs.push_back({w.dtype, w.data, w.ne[1], w.ne[0], x, n_tokens, p.y, w.layout});
    } else {
      matmul_like_reference(w, x, n_tokens, p.y, scratch);
    }
  }
  kernels::matmul_group(jobs);
}

}  // namespace hearth

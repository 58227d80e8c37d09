// model: the scalar attention tile kernels (see attention_scalar.h).
#include "model/attention_scalar.h"

#include <algorithm>
#include <cmath>

#include "tensor/fp16.h"

namespace hearth::attention_scalar {
namespace {

constexpr int64_t kTile = kernels::kAttentionKeyTile;

inline float round_f16(float x) { return fp16_to_f32(f32_to_fp16(x)); }

}  // namespace

void load_keys(const uint16_t* const* rows, int64_t n_keys, int64_t dim, float* kt) {
  for (int64_t j = 0; j < kTile; ++j) {
    for (int64_t d = 0; d < dim; ++d) {
      kt[d * kTile + j] = j < n_keys ? fp16_to_f32(rows[j][d]) : 0.0f;
    }
  }
}

void load_values(const uint16_t* const* rows, int64_t n_keys, int64_t dim, float* v) {
  for (int64_t j = 0; j < n_keys; ++j) {
    for (int64_t d = 0; d < dim; ++d) v[j * dim + d] = fp16_to_f32(rows[j][d]);
  }
}

void scores(const float* q, int64_t n_rows, int64_t dim, const float* kt, float scale,
            float* s) {
  for (int64_t r = 0; r < n_rows; ++r) {
    float* sr = s + r * kTile;
    std::fill(sr, sr + kTile, 0.0f);
    for (int64_t d = 0; d < dim; ++d) {
      const float qd = q[r * dim + d];
      const float* k = kt + d * kTile;
      for (int64_t j = 0; j < kTile; ++j) sr[j] += qd * k[j];
    }
    for (int64_t j = 0; j < kTile; ++j) sr[j] *= scale;
  }
}

void accumulate_f16(float* acc, const float* v, int64_t dim, const float* w,
                    const float* rescale, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    if (rescale[j] != 1.0f) {
      for (int64_t d = 0; d < dim; ++d) acc[d] = round_f16(acc[d] * rescale[j]);
    }
    const float* vj = v + j * dim;
    for (int64_t d = 0; d < dim; ++d) acc[d] = round_f16(std::fma(vj[d], w[j], acc[d]));
  }
}

void accumulate_f32(float* acc, const float* v, int64_t dim, const float* w, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    const float* vj = v + j * dim;
    for (int64_t d = 0; d < dim; ++d) acc[d] += w[j] * vj[d];
  }
}

kernels::AttentionKernels active_attention_kernels() {
  kernels::AttentionKernels k = kernels::active_kernels().attention;
  if (k.load_keys == nullptr) k.load_keys = load_keys;
  if (k.load_values == nullptr) k.load_values = load_values;
  if (k.scores == nullptr) k.scores = scores;
  if (k.accumulate_f16 == nullptr) k.accumulate_f16 = accumulate_f16;
  if (k.accumulate_f32 == nullptr) k.accumulate_f32 = accumulate_f32;
  return k;
}

}  // namespace hearth::attention_scalar

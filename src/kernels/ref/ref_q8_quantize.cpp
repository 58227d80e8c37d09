// kernels/ref: quantising activation rows to Q8_0 / Q8_K (see ref_q8.h), the scalar twin of
// the SIMD quantisers.
#include <cmath>
#include <cstring>

#include "kernels/ref/ref_q8.h"
#include "tensor/fp16.h"

namespace hearth::kernels::ref {
namespace {

// Nearest integer, ties to even (the default rounding mode, as cvtps_epi32), in [-127, 127].
// NaN gives -127, as the SIMD conversion's "integer indefinite" clamps to.
int to_code(float v) {
  const float r = std::nearbyint(v);
  if (!(r >= -127.0f)) return -127;
  return r > 127.0f ? 127 : static_cast<int>(r);
}

}  // namespace

void quantize_row_q8_0(const float* x, int64_t cols, uint8_t* dst) {
  for (int64_t b = 0; b < cols / 32; ++b) {
    const float* xb = x + 32 * b;
    float amax = 0.0f;
    for (int j = 0; j < 32; ++j) amax = std::fmax(amax, std::fabs(xb[j]));
    const float d = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    int sum = 0;
    for (int j = 0; j < 32; ++j) {
      const int q = to_code(xb[j] * id);
      q8_0_qs(dst, b)[j] = static_cast<int8_t>(q);
      sum += q;
    }
    const float d16 = fp16_to_f32(f32_to_fp16(d));
    *q8_0_d(dst, b) = d16;
    *q8_0_s(dst, b) = d16 * static_cast<float>(sum);
  }
}

void quantize_row_q8_k(const float* x, int64_t cols, uint8_t* dst) {
  for (int64_t sb = 0; sb < cols / 256; ++sb) {
    const float* xs = x + 256 * sb;
    float hi = xs[0], lo = xs[0];
    for (int j = 1; j < 256; ++j) {
      hi = std::fmax(hi, xs[j]);
      lo = std::fmin(lo, xs[j]);
    }
    const float max = hi >= -lo ? hi : lo;
    int8_t* qs = q8_k_qs(dst, sb);
    int16_t* bsums = q8_k_bsums(dst, sb);
    if (max == 0.0f) {
      std::memset(qs, 0, 256);
      std::memset(bsums, 0, 16 * sizeof(int16_t));
      *q8_k_d(dst, sb) = 0.0f;
      continue;
    }
    const float iscale = -127.0f / max;
    for (int g = 0; g < 16; ++g) {
      int sum = 0;
      for (int j = 16 * g; j < 16 * g + 16; ++j) {
        const int q = to_code(iscale * xs[j]);
        qs[j] = static_cast<int8_t>(q);
        sum += q;
      }
      bsums[g] = static_cast<int16_t>(sum);
    }
    *q8_k_d(dst, sb) = 1.0f / iscale;
  }
}

void dequantize_act_row(ActFormat f, const uint8_t* row, int64_t cols, float* dst) {
  switch (f) {
    case ActFormat::kF32:
      std::memcpy(dst, row, static_cast<size_t>(cols) * sizeof(float));
      return;
    case ActFormat::kQ8_0:
      for (int64_t i = 0; i < cols; ++i)
        dst[i] = *q8_0_d(row, i / 32) * static_cast<float>(q8_0_qs(row, i / 32)[i % 32]);
      return;
    case ActFormat::kQ8_K:
      for (int64_t i = 0; i < cols; ++i)
        dst[i] = *q8_k_d(row, i / 256) * static_cast<float>(q8_k_qs(row, i / 256)[i % 256]);
      return;
  }
}

}  // namespace hearth::kernels::ref

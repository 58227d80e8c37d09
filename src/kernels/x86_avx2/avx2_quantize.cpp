// kernels/x86_avx2: quantising activation rows to Q8_0 and Q8_K (layouts in quant_act.h),
// bit-identical to the scalar ref::quantize_row_q8_0 / _q8_k (cvtps_epi32 rounds to nearest
// even, as std::nearbyint does in the default rounding mode).
#include "kernels/quant_act.h"
#include "kernels/x86_avx2/avx2_common.h"
#include "kernels/x86_avx2/avx2_kernels.h"

namespace hearth::kernels::avx2 {
namespace {

inline __m256 abs_ps(__m256 v) {
  return _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)));
}

// round(v * scale) in int32, clamped to [-127, 127].
inline __m256i to_codes(__m256 v, __m256 scale) {
  const __m256i q = _mm256_cvtps_epi32(_mm256_mul_ps(v, scale));
  return _mm256_min_epi32(_mm256_max_epi32(q, _mm256_set1_epi32(-127)), _mm256_set1_epi32(127));
}

// Four vectors of 8 int32 codes (elements 0..31 in order) -> 32 int8 codes in order.
inline void store_codes(int8_t* dst, __m256i q0, __m256i q1, __m256i q2, __m256i q3) {
  const __m256i q01 = _mm256_packs_epi32(q0, q1);
  const __m256i q23 = _mm256_packs_epi32(q2, q3);
  const __m256i bytes = _mm256_packs_epi16(q01, q23);
  // packs work per 128-bit lane: undo the interleaving of the 4-byte groups.
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm256_permutevar8x32_epi32(bytes, order));
}

}  // namespace

void quantize_row_q8_0(const float* x, int64_t cols, uint8_t* dst) {
  for (int64_t b = 0; b < cols / 32; ++b) {
    const float* xb = x + 32 * b;
    const __m256 v0 = _mm256_loadu_ps(xb), v1 = _mm256_loadu_ps(xb + 8);
    const __m256 v2 = _mm256_loadu_ps(xb + 16), v3 = _mm256_loadu_ps(xb + 24);
    const __m256 m = _mm256_max_ps(_mm256_max_ps(abs_ps(v0), abs_ps(v1)),
                                   _mm256_max_ps(abs_ps(v2), abs_ps(v3)));
    const float amax = hmax(m);
    const float d = amax / 127.0f;
    const __m256 id = _mm256_set1_ps(amax != 0.0f ? 127.0f / amax : 0.0f);
    const __m256i q0 = to_codes(v0, id), q1 = to_codes(v1, id);
    const __m256i q2 = to_codes(v2, id), q3 = to_codes(v3, id);
    store_codes(q8_0_qs(dst, b), q0, q1, q2, q3);
    const int32_t sum = hsum_i32(_mm256_add_epi32(_mm256_add_epi32(q0, q1), _mm256_add_epi32(q2, q3)));
    const float d16 = round_to_f16(d);
    *q8_0_d(dst, b) = d16;
    *q8_0_s(dst, b) = d16 * static_cast<float>(sum);
  }
}

void quantize_row_q8_k(const float* x, int64_t cols, uint8_t* dst) {
  for (int64_t sb = 0; sb < cols / 256; ++sb) {
    const float* xs = x + 256 * sb;
    __m256 vmax = _mm256_loadu_ps(xs), vmin = vmax;
    for (int i = 8; i < 256; i += 8) {
      const __m256 v = _mm256_loadu_ps(xs + i);
      vmax = _mm256_max_ps(vmax, v);
      vmin = _mm256_min_ps(vmin, v);
    }
    const float hi = hmax(vmax), lo = hmin(vmin);
    const float max = hi >= -lo ? hi : lo;  // the value of largest magnitude, sign kept
    int8_t* qs = q8_k_qs(dst, sb);
    int16_t* bsums = q8_k_bsums(dst, sb);
    if (max == 0.0f) {
      std::memset(qs, 0, 256);
      std::memset(bsums, 0, 16 * sizeof(int16_t));
      *q8_k_d(dst, sb) = 0.0f;
      continue;
    }
    const float iscale = -127.0f / max;
    const __m256 vscale = _mm256_set1_ps(iscale);
    for (int c = 0; c < 8; ++c) {
      const float* xc = xs + 32 * c;
      const __m256i q0 = to_codes(_mm256_loadu_ps(xc), vscale);
      const __m256i q1 = to_codes(_mm256_loadu_ps(xc + 8), vscale);
      const __m256i q2 = to_codes(_mm256_loadu_ps(xc + 16), vscale);
      const __m256i q3 = to_codes(_mm256_loadu_ps(xc + 24), vscale);
      store_codes(qs + 32 * c, q0, q1, q2, q3);
      bsums[2 * c] = static_cast<int16_t>(hsum_i32(_mm256_add_epi32(q0, q1)));
      bsums[2 * c + 1] = static_cast<int16_t>(hsum_i32(_mm256_add_epi32(q2, q3)));
    }
    *q8_k_d(dst, sb) = 1.0f / iscale;
  }
}

}  // namespace hearth::kernels::avx2

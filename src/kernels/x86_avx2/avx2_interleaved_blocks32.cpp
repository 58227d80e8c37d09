// kernels/x86_avx2: Q4_0 and Q8_0 weights in groups of 8 interleaved rows (kernels/interleave.h)
// against Q8_0 activations.
//
// One 32-byte vector of codes holds 4 consecutive elements of each of the 8 rows (lane r =
// row r). maddubs with the 4 matching activations (the same in every lane) gives the pair
// sums of each row; madd by ones folds them into the row's int32 sum over the block. Per
// block and token then acc_r += (d_r * d_a) * isum_r, for Q4_0 plus the offset term
// (-8 * d_r) * s_a (s_a = d_a * sum(a)): the codes stay unsigned (0..15) and the offset of 8
// is paid once per block in f32, as the row-layout kernels do (avx2_blocks32.cpp).
// Twin: ref::dot_row_q8 (Q4_0 there: (u - 8) . a in int32).
//
// A token's arithmetic is the same whatever the number of tokens RN sharing the decoded
// codes: batch invariance (avx2_interleaved.h).
#include <cstddef>

#include "kernels/quant_act.h"
#include "kernels/x86_avx2/avx2_common.h"
#include "kernels/x86_avx2/avx2_interleaved.h"
#include "kernels/x86_avx2/avx2_kernels.h"
#include "tensor/quant_blocks.h"

namespace hearth::kernels::avx2 {
namespace {

// ---- Q4_0 -----------------------------------------------------------------------------------
// Group block: d[8] (f16) | qs: 4 vectors; vector u holds bytes 4u..4u+3 of each row's 16 qs
// bytes: low nibbles are elements 4u..4u+3, high nibbles elements 16+4u..16+4u+3.
struct X8Q4_0 {
  static constexpr int64_t kBlockElems = 32;
  static constexpr int64_t kBlockBytes = sizeof(BlockQ4_0);
  static constexpr int kOffset = 8;

  template <int RN>
  static void block(const uint8_t* wb, const uint8_t* const* x, int64_t b, __m256 (&acc)[RN]) {
    if (b < 0) __builtin_unreachable();  // b / 8 and b % 8 of the activation offsets: shifts
    const __m256i m0f = _mm256_set1_epi8(0x0f);
    const uint8_t* qs = wb + kInterleaveRows * 2;
    const int8_t* qa[RN];
    __m256i sum16[RN];
    for (int t = 0; t < RN; ++t) {
      qa[t] = q8_0_qs(x[t], b);
      sum16[t] = _mm256_setzero_si256();
    }
    // Codes < 16 and |a| <= 128: each pair sum <= 3840, the block's 8 of them fit int16.
    for (int u = 0; u < 4; ++u) {
      const __m256i q = load256(qs + 32 * u);
      const __m256i lo = _mm256_and_si256(q, m0f), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m0f);
      for (int t = 0; t < RN; ++t) {
        sum16[t] = _mm256_add_epi16(sum16[t], _mm256_maddubs_epi16(lo, broadcast4(qa[t] + 4 * u)));
        sum16[t] = _mm256_add_epi16(sum16[t], _mm256_maddubs_epi16(hi, broadcast4(qa[t] + 16 + 4 * u)));
        opaque(sum16[t]);
      }
    }
    // acc_r += (d_r * d_a) * isum_r + (-8 * d_r) * s_a, the two products off acc's chain.
    const __m256 d = load_f16x8(wb);
    const __m256 c = _mm256_mul_ps(d, _mm256_set1_ps(-static_cast<float>(kOffset)));
    for (int t = 0; t < RN; ++t) {
      const __m256 isum = _mm256_cvtepi32_ps(sum_pairs(sum16[t]));
      const __m256 offset = _mm256_mul_ps(c, _mm256_broadcast_ss(q8_0_s(x[t], b)));
      acc[t] = _mm256_add_ps(acc[t], _mm256_fmadd_ps(isum, _mm256_mul_ps(d, _mm256_broadcast_ss(q8_0_d(x[t], b))), offset));
    }
  }
};

// ---- Q8_0 -----------------------------------------------------------------------------------
// Group block: d[8] (f16) | qs: 8 vectors; vector u holds int8 elements 4u..4u+3 of each row.
// The codes are signed: maddubs takes |q| (unsigned; -128 gives 128) and a * sign(q). A pair
// sum reaches 2 * 128 * 127, so each vector's pairs go to int32 at once.
struct X8Q8_0 {
  static constexpr int64_t kBlockElems = 32;
  static constexpr int64_t kBlockBytes = sizeof(BlockQ8_0);

  template <int RN>
  static void block(const uint8_t* wb, const uint8_t* const* x, int64_t b, __m256 (&acc)[RN]) {
    if (b < 0) __builtin_unreachable();  // b / 8 and b % 8 of the activation offsets: shifts
    const uint8_t* qs = wb + kInterleaveRows * 2;
    const int8_t* qa[RN];
    __m256i isum[RN];
    for (int t = 0; t < RN; ++t) {
      qa[t] = q8_0_qs(x[t], b);
      isum[t] = _mm256_setzero_si256();
    }
    for (int u = 0; u < 8; ++u) {
      const __m256i q = load256(qs + 32 * u);
      const __m256i abs_q = _mm256_abs_epi8(q);
      for (int t = 0; t < RN; ++t) {
        isum[t] = _mm256_add_epi32(isum[t], sum_pairs(mul_pairs_signed(abs_q, q, broadcast4(qa[t] + 4 * u))));
        opaque(isum[t]);
      }
    }
    const __m256 d = load_f16x8(wb);
    for (int t = 0; t < RN; ++t)
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[t]), _mm256_mul_ps(d, _mm256_broadcast_ss(q8_0_d(x[t], b))),
                               acc[t]);
  }
};

}  // namespace

const TypeKernels kQ4_0_x8 = x8_kernels<X8Q4_0>();
const TypeKernels kQ8_0_x8 = x8_kernels<X8Q8_0>();

}  // namespace hearth::kernels::avx2

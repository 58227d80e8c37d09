// kernels/x86_avx2: Q4_K and Q6_K weights in groups of 8 interleaved rows (kernels/interleave.h)
// against Q8_K activations.
//
// One 32-byte vector of codes holds 4 consecutive elements of each of the 8 rows (lane r =
// row r). maddubs with the 4 matching activations (the same in every lane) gives pair sums;
// the pair sums of a scale's elements add up in int16 (bounded below), then one madd by the
// row's scale (the same int16 in both halves of lane r) folds them into the row's int32 sum.
// Per super-block and token, in int32: isum_r = sum_g sc_rg * (q_rg . a_g) and
// msum_r = sum_g m_rg * bsum_g; then acc_r += (d_r * d_a) * isum_r - (dm_r * d_a) * msum_r
// (Q6_K: dm = d and msum folds into isum in int32), the arithmetic of ref::dot_row_q8.
#include <cstddef>

#include "kernels/x86_avx2/avx2_common.h"
#include "kernels/x86_avx2/avx2_interleaved.h"
#include "kernels/x86_avx2/avx2_kernels.h"
#include "tensor/quant_blocks.h"

namespace hearth::kernels::avx2 {
namespace {

// pshufb control: in every 32-bit lane j of a 128-bit half, int16 (byte 4j + k0, byte 4j + k1)
// zero-extended from the source bytes.
template <int K0, int K1>
inline __m256i lane_bytes_to_i16() {
  constexpr auto word = [](int j) {
    return static_cast<int>(0x80008000u | static_cast<uint32_t>(4 * j + K0) | (static_cast<uint32_t>(4 * j + K1) << 16));
  };
  return _mm256_setr_epi32(word(0), word(1), word(2), word(3), word(0), word(1), word(2), word(3));
}

// ---- Q4_K -----------------------------------------------------------------------------------
// Group block: d[8] | dmin[8] (f16) | a0[8] a1[8] a2[8] (the scale field's 32-bit words) |
// qs: 32 vectors; vector 8p + u holds bytes 4u..4u+3 of qs strip p (32 bytes) of each row:
// low nibbles are elements 64p + 4u.. of chunk 2p, high nibbles the same of chunk 2p + 1.
struct X8Q4_K {
  static constexpr int64_t kBlockElems = 256;
  static constexpr int64_t kBlockBytes = sizeof(BlockQ4_K);

  template <int RN>
  static void block(const uint8_t* wb, const uint8_t* const* x, int64_t sb, __m256 (&acc)[RN]) {
    // The 6-bit scales and mins of chunks 0..3 (lo) and 4..7 (hi), byte c % 4 of lane r.
    const __m256i a0 = load256(wb + 32), a1 = load256(wb + 64), a2 = load256(wb + 96);
    const __m256i m3f = _mm256_set1_epi8(0x3f), m0f = _mm256_set1_epi8(0x0f), m30 = _mm256_set1_epi8(0x30);
    const __m256i sc_lo = _mm256_and_si256(a0, m3f);
    const __m256i sc_hi = _mm256_or_si256(_mm256_and_si256(a2, m0f), _mm256_and_si256(_mm256_srli_epi32(a0, 2), m30));
    const __m256i mn_lo = _mm256_and_si256(a1, m3f);
    const __m256i mn_hi =
        _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(a2, 4), m0f), _mm256_and_si256(_mm256_srli_epi32(a1, 2), m30));

    const int8_t* qa[RN];
    __m256i isum[RN];
    for (int t = 0; t < RN; ++t) {
      qa[t] = q8_k_qs(x[t], sb);
      isum[t] = _mm256_setzero_si256();
    }
    const uint8_t* qs = wb + 128;
    unroll<4>([&](auto p) {
      // Codes < 16 and |a| <= 128: each pair sum <= 3840, 8 of them fit int16.
      __m256i lo16[RN], hi16[RN];
      for (int t = 0; t < RN; ++t) lo16[t] = hi16[t] = _mm256_setzero_si256();
      unroll<8>([&](auto u) {
        const __m256i q = load256(qs + 32 * (8 * p + u));
        const __m256i lo = _mm256_and_si256(q, m0f), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m0f);
        for (int t = 0; t < RN; ++t) {
          lo16[t] = _mm256_add_epi16(lo16[t], _mm256_maddubs_epi16(lo, broadcast4(qa[t] + 64 * p + 4 * u)));
          hi16[t] = _mm256_add_epi16(hi16[t], _mm256_maddubs_epi16(hi, broadcast4(qa[t] + 64 * p + 32 + 4 * u)));
          opaque(lo16[t]);
          opaque(hi16[t]);
        }
      });
      const __m256i src = p < 2 ? sc_lo : sc_hi;
      constexpr int k = (2 * p) % 4;
      const __m256i sc_even = _mm256_shuffle_epi8(src, lane_bytes_to_i16<k, k>());
      const __m256i sc_odd = _mm256_shuffle_epi8(src, lane_bytes_to_i16<k + 1, k + 1>());
      for (int t = 0; t < RN; ++t)
        isum[t] = _mm256_add_epi32(isum[t], _mm256_add_epi32(_mm256_madd_epi16(lo16[t], sc_even),
                                                             _mm256_madd_epi16(hi16[t], sc_odd)));
    });
    // Mins of chunks (2p, 2p + 1) as int16 pairs in lane r, against (bs_2p, bs_2p+1), where
    // bs_c = bsums[2c] + bsums[2c + 1] (the 16-element sums of the activations).
    const __m256i mins[4] = {_mm256_shuffle_epi8(mn_lo, lane_bytes_to_i16<0, 1>()),
                             _mm256_shuffle_epi8(mn_lo, lane_bytes_to_i16<2, 3>()),
                             _mm256_shuffle_epi8(mn_hi, lane_bytes_to_i16<0, 1>()),
                             _mm256_shuffle_epi8(mn_hi, lane_bytes_to_i16<2, 3>())};
    const __m256 d = load_f16x8(wb), dmin = load_f16x8(wb + 16);
    for (int t = 0; t < RN; ++t) {
      // hadd: words 0, 1 of the low half hold (bs0, bs1), (bs2, bs3); words 4, 5 (bs4, bs5), (bs6, bs7).
      const __m256i bsums = load256(q8_k_bsums(x[t], sb));
      const __m256i bs = _mm256_hadd_epi16(bsums, bsums);
      __m256i msum = _mm256_setzero_si256();
      for (int p = 0; p < 4; ++p) {
        const __m256i pair = _mm256_permutevar8x32_epi32(bs, _mm256_set1_epi32(p < 2 ? p : p + 2));
        msum = _mm256_add_epi32(msum, _mm256_madd_epi16(mins[p], pair));
      }
      const __m256 da = _mm256_broadcast_ss(q8_k_d(x[t], sb));
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[t]), _mm256_mul_ps(d, da), acc[t]);
      acc[t] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_mul_ps(dmin, da), acc[t]);
    }
  }
};

// ---- Q6_K -----------------------------------------------------------------------------------
// Group block: ql: 32 vectors (vector u = bytes 4u..4u+3 of each row's ql) | qh: 16 vectors |
// scales: 16 x 8 int8 (scale g of rows 0..7) | d[8] (f16). Of half h (128 elements) and its
// bytes i = 4k..4k+3: elements 128h + 32s + i, s = 0..3, take the low (s < 2) or high nibble of
// ql[64h + 32(s % 2) + i] and bit pair s of qh[32h + i] as bits 4..5.
struct X8Q6_K {
  static constexpr int64_t kBlockElems = 256;
  static constexpr int64_t kBlockBytes = sizeof(BlockQ6_K);
  static constexpr int64_t kQh = 1024, kScales = 1536, kD = 1664;

  // The 6-bit codes (h, s, k): 4 elements of each row.
  template <int h, int s>
  static __m256i codes(const uint8_t* wb, int k) {
    const __m256i m0f = _mm256_set1_epi8(0x0f), m30 = _mm256_set1_epi8(0x30);
    const __m256i ql = load256(wb + 32 * (16 * h + 8 * (s % 2) + k));
    const __m256i qh = load256(wb + kQh + 32 * (8 * h + k));
    const __m256i low = s < 2 ? _mm256_and_si256(ql, m0f) : _mm256_and_si256(_mm256_srli_epi16(ql, 4), m0f);
    __m256i high;
    if constexpr (s == 0) high = _mm256_slli_epi16(qh, 4);
    if constexpr (s == 1) high = _mm256_slli_epi16(qh, 2);
    if constexpr (s == 2) high = qh;
    if constexpr (s == 3) high = _mm256_srli_epi16(qh, 2);
    return _mm256_or_si256(low, _mm256_and_si256(high, m30));
  }
  // Scale g of row r as the int16 pair (sc, sc) in lane r.
  static __m256i scale_pairs(const uint8_t* wb, int g) {
    const __m256i bytes = _mm256_set1_epi64x(static_cast<int64_t>(load_u64(wb + kScales + 8 * g)));
    // Byte r of the 8 into the high byte of both int16 halves of lane r, then sign-extended.
    const __m256i pick = _mm256_setr_epi32(0x00800080, 0x01800180, 0x02800280, 0x03800380, 0x04800480,
                                           0x05800580, 0x06800680, 0x07800780);
    return _mm256_srai_epi16(_mm256_shuffle_epi8(bytes, pick), 8);
  }

  template <int RN>
  static void block(const uint8_t* wb, const uint8_t* const* x, int64_t sb, __m256 (&acc)[RN]) {
    const int8_t* qa[RN];
    __m256i isum[RN];
    for (int t = 0; t < RN; ++t) {
      qa[t] = q8_k_qs(x[t], sb);
      isum[t] = _mm256_setzero_si256();
    }
    unroll<2>([&](auto h) {
      unroll<4>([&](auto s) {
        for (int kp = 0; kp < 8; kp += 2) {
          // Codes < 64 and |a| <= 128: a pair sum <= 16128, two of them fit int16.
          const __m256i sc = scale_pairs(wb, 8 * h + 2 * s + kp / 4);
          const __m256i v0 = codes<h, s>(wb, kp), v1 = codes<h, s>(wb, kp + 1);
          for (int t = 0; t < RN; ++t) {
            const int8_t* a = qa[t] + 128 * h + 32 * s + 4 * kp;
            const __m256i p16 = _mm256_add_epi16(_mm256_maddubs_epi16(v0, broadcast4(a)),
                                                 _mm256_maddubs_epi16(v1, broadcast4(a + 4)));
            isum[t] = _mm256_add_epi32(isum[t], _mm256_madd_epi16(p16, sc));
            opaque(isum[t]);
          }
        }
      });
    });
    // x = d * sc * (u - 32): the offset term 32 * sum_g sc_g * bsum_g, with scales (2q, 2q + 1)
    // as int16 pairs in lane r against the activations' 16-element sums (bsum_2q, bsum_2q+1).
    __m256i sc_pairs[8];
    for (int q = 0; q < 8; ++q) {
      const __m128i two = _mm_loadu_si128(reinterpret_cast<const __m128i*>(wb + kScales + 16 * q));
      sc_pairs[q] = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(two, _mm_srli_si128(two, 8)));
    }
    const __m256 d = load_f16x8(wb + kD);
    for (int t = 0; t < RN; ++t) {
      const int16_t* bsums = q8_k_bsums(x[t], sb);
      __m256i msum = _mm256_setzero_si256();
      for (int q = 0; q < 8; ++q) {
        const __m256i bs = _mm256_set1_epi32(static_cast<int32_t>(load_u32(reinterpret_cast<const uint8_t*>(bsums + 2 * q))));
        msum = _mm256_add_epi32(msum, _mm256_madd_epi16(sc_pairs[q], bs));
      }
      const __m256i total = _mm256_sub_epi32(isum[t], _mm256_slli_epi32(msum, 5));
      const __m256 da = _mm256_broadcast_ss(q8_k_d(x[t], sb));
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_mul_ps(d, da), acc[t]);
    }
  }
};

}  // namespace

const TypeKernels kQ4_K_x8 = x8_kernels<X8Q4_K>();
const TypeKernels kQ6_K_x8 = x8_kernels<X8Q6_K>();

}  // namespace hearth::kernels::avx2

// kernels/x86_avx2: the 256-element super-block types (Q2_K .. Q6_K, IQ4_XS) against Q8_K
// activations.
//
// A super-block decodes to 256 int8 codes q (8 chunks of 32), an integer scale per 16
// elements sc, an integer min coefficient per 16 elements m and two float scales:
// x = d * sc * q - dm * m. Per super-block and token, in int32: isum = sum_g sc_g * (q_g . a_g)
// (maddubs, then madd by the scales instead of by ones) and msum = sum_g m_g * bsum_g; then
// y += (d * d_a) * isum - (dm * d_a) * msum. Twin: ref::dot_row_q8.
//
// A decoder D gives, for a raw super-block b: scales(b) (the int8 scales, the int16 min
// coefficients, d and dm) and codes<C>(b), the codes of chunk C.
#include <cstddef>

#include "kernels/x86_avx2/avx2_common.h"
#include "kernels/x86_avx2/avx2_gemm.h"
#include "kernels/x86_avx2/avx2_kernels.h"
#include "tensor/quant_blocks.h"

namespace hearth::kernels::avx2 {
namespace {

struct KScales {
  __m128i s8;   // the scales, int8: per 16 elements (kPairScales) or per 32
  __m256i m16;  // min coefficients per 16 elements, int16
  float d, dm;
};

// The int16 scale of each pair sum of chunk C: s8[2C] x8, s8[2C+1] x8 (16-element groups)
// or s8[C] x16 (32-element groups).
template <int C, bool kPairScales>
inline __m256i chunk_scales(__m128i s8) {
  const int64_t lo = kPairScales ? 2 * C : C, hi = kPairScales ? 2 * C + 1 : C;
  const __m128i pick = _mm_set_epi64x(static_cast<int64_t>(0x0101010101010101ull * hi),
                                      static_cast<int64_t>(0x0101010101010101ull * lo));
  return _mm256_cvtepi8_epi16(_mm_shuffle_epi8(s8, pick));
}

// The 2-bit fields at bit pair P of each byte (Q2_K, Q3_K, Q6_K high bits).
template <int P>
inline __m256i bit_pair(__m256i v) {
  return _mm256_and_si256(_mm256_srli_epi16(v, 2 * P), _mm256_set1_epi8(3));
}
// Bit B of each byte, moved to bit S.
template <int B, int S>
inline __m256i bit_to(__m256i v) {
  const __m256i bit = _mm256_and_si256(_mm256_srli_epi16(v, B), _mm256_set1_epi8(1));
  return _mm256_slli_epi16(bit, S);
}
inline __m256i low_nibbles(__m256i v) { return _mm256_and_si256(v, _mm256_set1_epi8(0x0f)); }
inline __m256i high_nibbles(__m256i v) {
  return _mm256_and_si256(_mm256_srli_epi16(v, 4), _mm256_set1_epi8(0x0f));
}

// Q4_K / Q5_K: 8 six-bit scales and mins in 12 bytes (see ref_kquant_scales.h), unpacked four
// at a time in 32-bit words.
inline KScales k4_scales(const uint8_t* packed, float d, float dm) {
  const uint32_t a0 = load_u32(packed), a1 = load_u32(packed + 4), a2 = load_u32(packed + 8);
  const uint32_t sc_lo = a0 & 0x3f3f3f3fu, mn_lo = a1 & 0x3f3f3f3fu;
  const uint32_t sc_hi = (a2 & 0x0f0f0f0fu) | ((a0 >> 2) & 0x30303030u);
  const uint32_t mn_hi = ((a2 >> 4) & 0x0f0f0f0fu) | ((a1 >> 2) & 0x30303030u);
  const __m128i mins = _mm_set_epi32(0, 0, static_cast<int>(mn_hi), static_cast<int>(mn_lo));
  const __m128i dup = _mm_setr_epi8(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
  return {_mm_set_epi32(0, 0, static_cast<int>(sc_hi), static_cast<int>(sc_lo)),
          _mm256_cvtepu8_epi16(_mm_shuffle_epi8(mins, dup)), d, dm};
}

// ---- decoders -------------------------------------------------------------------------------

struct DecQ2_K {
  static constexpr int64_t kBytes = sizeof(BlockQ2_K);
  static constexpr bool kSigned = false, kMins = true, kPairScales = true;
  static constexpr bool kMinsScaledByD = false;
  static KScales scales(const uint8_t* b) {
    const __m128i packed = load128(b + offsetof(BlockQ2_K, scales));
    const __m128i nib = _mm_set1_epi8(0x0f);
    return {_mm_and_si128(packed, nib), _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), nib)),
            f16_to_f32(b + offsetof(BlockQ2_K, d)), f16_to_f32(b + offsetof(BlockQ2_K, dmin))};
  }
  template <int C>
  static __m256i codes(const uint8_t* b) {
    return bit_pair<C % 4>(load256(b + offsetof(BlockQ2_K, qs) + 32 * (C / 4)));
  }
};

struct DecQ3_K {
  static constexpr int64_t kBytes = sizeof(BlockQ3_K);
  static constexpr bool kSigned = false, kMins = true, kPairScales = true;
  static constexpr bool kMinsScaledByD = true;  // dm == d: the mins subtract in int32
  // u = low 2 bits + 4 * hbit in 0..7; x = d * s * (u - 4), so m = 4 * s with dm = d.
  static KScales scales(const uint8_t* b) {
    const uint8_t* packed = b + offsetof(BlockQ3_K, scales);  // 12 bytes
    const __m128i x = _mm_cvtsi64_si128(static_cast<int64_t>(load_u64(packed)));
    const __m128i nib = _mm_set1_epi8(0x0f);
    // Low 4 bits: low nibbles of bytes 0..7 (scales 0..7), high nibbles (scales 8..15).
    const __m128i low = _mm_unpacklo_epi64(_mm_and_si128(x, nib), _mm_and_si128(_mm_srli_epi16(x, 4), nib));
    // High 2 bits of scale i: bit pair i / 4 of byte 8 + i % 4, i.e. byte i of the 32-bit
    // lanes (h >> 0, h >> 2, h >> 4, h >> 6).
    const __m128i h = _mm_set1_epi32(static_cast<int>(load_u32(packed + 8)));
    const __m128i high = _mm_and_si128(_mm_srlv_epi32(h, _mm_setr_epi32(0, 2, 4, 6)), _mm_set1_epi8(3));
    const __m128i s8 = _mm_sub_epi8(_mm_or_si128(low, _mm_slli_epi16(high, 4)), _mm_set1_epi8(32));
    const float d = f16_to_f32(b + offsetof(BlockQ3_K, d));
    return {s8, _mm256_slli_epi16(_mm256_cvtepi8_epi16(s8), 2), d, d};
  }
  template <int C>
  static __m256i codes(const uint8_t* b) {
    const __m256i low = bit_pair<C % 4>(load256(b + offsetof(BlockQ3_K, qs) + 32 * (C / 4)));
    return _mm256_or_si256(low, bit_to<C, 2>(load256(b + offsetof(BlockQ3_K, hmask))));
  }
};

struct DecQ4_K {
  static constexpr int64_t kBytes = sizeof(BlockQ4_K);
  static constexpr bool kSigned = false, kMins = true, kPairScales = false;
  static constexpr bool kMinsScaledByD = false;
  static KScales scales(const uint8_t* b) {
    return k4_scales(b + offsetof(BlockQ4_K, scales), f16_to_f32(b + offsetof(BlockQ4_K, d)),
                     f16_to_f32(b + offsetof(BlockQ4_K, dmin)));
  }
  template <int C>
  static __m256i codes(const uint8_t* b) {
    const __m256i strip = load256(b + offsetof(BlockQ4_K, qs) + 32 * (C / 2));
    return C % 2 == 0 ? low_nibbles(strip) : high_nibbles(strip);
  }
};

struct DecQ5_K {
  static constexpr int64_t kBytes = sizeof(BlockQ5_K);
  static constexpr bool kSigned = false, kMins = true, kPairScales = false;
  static constexpr bool kMinsScaledByD = false;
  static KScales scales(const uint8_t* b) {
    return k4_scales(b + offsetof(BlockQ5_K, scales), f16_to_f32(b + offsetof(BlockQ5_K, d)),
                     f16_to_f32(b + offsetof(BlockQ5_K, dmin)));
  }
  template <int C>
  static __m256i codes(const uint8_t* b) {
    const __m256i strip = load256(b + offsetof(BlockQ5_K, qs) + 32 * (C / 2));
    const __m256i low = C % 2 == 0 ? low_nibbles(strip) : high_nibbles(strip);
    return _mm256_or_si256(low, bit_to<C, 4>(load256(b + offsetof(BlockQ5_K, qh))));
  }
};

struct DecQ6_K {
  static constexpr int64_t kBytes = sizeof(BlockQ6_K);
  static constexpr bool kSigned = false, kMins = true, kPairScales = true;
  static constexpr bool kMinsScaledByD = true;  // dm == d: the mins subtract in int32
  // u = 6-bit code in 0..63; x = d * sc * (u - 32), so m = 32 * sc with dm = d.
  static KScales scales(const uint8_t* b) {
    const __m128i s8 = load128(b + offsetof(BlockQ6_K, scales));
    const float d = f16_to_f32(b + offsetof(BlockQ6_K, d));
    return {s8, _mm256_slli_epi16(_mm256_cvtepi8_epi16(s8), 5), d, d};
  }
  template <int C>
  static __m256i codes(const uint8_t* b) {
    // Half C / 4; strip s = C % 4 takes low (s < 2) or high nibbles of ql[64h + 32(s % 2)]
    // and bit pair s of qh[32h] as bits 4..5.
    constexpr int h = C / 4, s = C % 4;
    const __m256i ql = load256(b + offsetof(BlockQ6_K, ql) + 64 * h + 32 * (s % 2));
    const __m256i low = s < 2 ? low_nibbles(ql) : high_nibbles(ql);
    const __m256i high = bit_pair<s>(load256(b + offsetof(BlockQ6_K, qh) + 32 * h));
    return _mm256_or_si256(low, _mm256_slli_epi16(high, 4));
  }
};

struct DecIQ4_XS {
  static constexpr int64_t kBytes = sizeof(BlockIQ4_XS);
  static constexpr bool kSigned = true, kMins = false, kPairScales = false;
  static constexpr bool kMinsScaledByD = false;
  static KScales scales(const uint8_t* b) {
    // Scale j: nibble j of scales_l (low nibble first) | bit pair j of scales_h << 4, - 32.
    const __m128i l = _mm_cvtsi32_si128(static_cast<int>(load_u32(b + offsetof(BlockIQ4_XS, scales_l))));
    const __m128i nib = _mm_set1_epi8(0x0f);
    const __m128i low = _mm_unpacklo_epi8(_mm_and_si128(l, nib), _mm_and_si128(_mm_srli_epi16(l, 4), nib));
    const uint32_t h = load_u16(b + offsetof(BlockIQ4_XS, scales_h));
    uint64_t high = 0;
    for (int j = 0; j < 8; ++j) high |= static_cast<uint64_t>((h >> (2 * j)) & 3) << (8 * j + 4);
    const __m128i s8 = _mm_sub_epi8(_mm_or_si128(low, _mm_cvtsi64_si128(static_cast<int64_t>(high))),
                                    _mm_set1_epi8(32));
    return {s8, _mm256_setzero_si256(), f16_to_f32(b + offsetof(BlockIQ4_XS, d)), 0.0f};
  }
  template <int C>
  static __m256i codes(const uint8_t* b) {
    return lookup16(kIQ4NLValues, nibbles_lo_hi(b + offsetof(BlockIQ4_XS, qs) + 16 * C));
  }
};

// ---- decoded super-blocks in a panel --------------------------------------------------------

struct alignas(32) PackedK {
  int8_t q[256];      // codes of the 8 chunks
  int16_t sc[8][16];  // chunk_scales of each chunk
  int16_t m[16];
  float d, dm;
};

template <class D>
void pack_superblock(const uint8_t* b, PackedK* p) {
  const KScales ks = D::scales(b);
  unroll<8>([&](auto c) {
    store256(p->q + 32 * c, D::template codes<c>(b));
    store256(p->sc[c], chunk_scales<c, D::kPairScales>(ks.s8));
  });
  store256(p->m, ks.m16);
  p->d = ks.d;
  p->dm = ks.dm;
}

// Where a tile's super-blocks come from: decoded from raw rows, or read from a panel.
template <class D, int RM>
struct RawSource {
  const uint8_t* const* rows;
  const uint8_t* blk[RM];
  KScales ks[RM];
  void start(int64_t sb) {
    for (int r = 0; r < RM; ++r) {
      blk[r] = rows[r] + sb * D::kBytes;
      ks[r] = D::scales(blk[r]);
    }
  }
  static constexpr bool kChunkAddressed = false;
  template <int C> __m256i codes(int r) const { return D::template codes<C>(blk[r]); }
  template <int C> __m256i scales(int r) const { return chunk_scales<C, D::kPairScales>(ks[r].s8); }
  __m256i mins(int r) const { return ks[r].m16; }
  float d(int r) const { return ks[r].d; }
  float dm(int r) const { return ks[r].dm; }
};

template <int RM>
struct PanelSource {
  const uint8_t* const* rows;
  const PackedK* blk[RM];
  void start(int64_t sb) {
    for (int r = 0; r < RM; ++r) blk[r] = reinterpret_cast<const PackedK*>(rows[r]) + sb;
  }
  static constexpr bool kChunkAddressed = true;
  __m256i codes(int r, int c) const { return _mm256_load_si256(reinterpret_cast<const __m256i*>(blk[r]->q + 32 * c)); }
  __m256i scales(int r, int c) const { return _mm256_load_si256(reinterpret_cast<const __m256i*>(blk[r]->sc[c])); }
  __m256i mins(int r) const { return _mm256_load_si256(reinterpret_cast<const __m256i*>(blk[r]->m)); }
  float d(int r) const { return blk[r]->d; }
  float dm(int r) const { return blk[r]->dm; }
};

// out[r][t] = the dot over super-blocks [0, nb) of the source (activation super-blocks
// [b0, b0 + nb)).
template <class D, int RM, int RN, class Src>
inline void tile(Src& src, const uint8_t* const* x, int64_t b0, int64_t nb, float (&out)[RM][RN]) {
  __m256 acc[RM][RN];
  for (int r = 0; r < RM; ++r)
    for (int t = 0; t < RN; ++t) acc[r][t] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    const int64_t sb = b0 + b;
    src.start(b);
    const int8_t* qa[RN];
    for (int t = 0; t < RN; ++t) qa[t] = q8_k_qs(x[t], sb);
    __m256i isum[RM][RN];
    for (int r = 0; r < RM; ++r)
      for (int t = 0; t < RN; ++t) isum[r][t] = _mm256_setzero_si256();
    // One chunk: the products of its codes q and scales sc of every row with every token.
    auto chunk = [&](int c, const __m256i (&q)[RM], const __m256i (&sc)[RM]) {
      for (int r = 0; r < RM; ++r) {
        const __m256i abs_q = D::kSigned ? _mm256_abs_epi8(q[r]) : q[r];
        for (int t = 0; t < RN; ++t) {
          const __m256i a = load256(qa[t] + 32 * c);
          const __m256i pairs = D::kSigned ? mul_pairs_signed(abs_q, q[r], a) : _mm256_maddubs_epi16(q[r], a);
          isum[r][t] = _mm256_add_epi32(isum[r][t], _mm256_madd_epi16(pairs, sc[r]));
        }
      }
    };
    if constexpr (Src::kChunkAddressed) {
      // Panel chunks are plain loads: a rolled loop keeps the accumulators in registers
      // (fully unrolled, the compiler reassociates the sums and spills every product).
      for (int c = 0; c < 8; ++c) {
        __m256i q[RM], sc[RM];
        for (int r = 0; r < RM; ++r) {
          q[r] = src.codes(r, c);
          sc[r] = src.scales(r, c);
        }
        chunk(c, q, sc);
      }
    } else {
      unroll<8>([&](auto c) {
        __m256i q[RM], sc[RM];
        for (int r = 0; r < RM; ++r) {
          q[r] = src.template codes<c>(r);
          sc[r] = src.template scales<c>(r);
        }
        chunk(c, q, sc);
      });
    }
    __m256 da[RN];
    for (int t = 0; t < RN; ++t) da[t] = _mm256_broadcast_ss(q8_k_d(x[t], sb));
    for (int r = 0; r < RM; ++r) {
      const __m256 d = _mm256_set1_ps(src.d(r));
      for (int t = 0; t < RN; ++t) {
        __m256i total = isum[r][t];
        if constexpr (D::kMins) {
          const __m256i msum = _mm256_madd_epi16(src.mins(r), load256(q8_k_bsums(x[t], sb)));
          if constexpr (D::kMinsScaledByD) {
            total = _mm256_sub_epi32(total, msum);
          } else {
            const __m256 dm = _mm256_set1_ps(src.dm(r));
            acc[r][t] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_mul_ps(dm, da[t]), acc[r][t]);
          }
        }
        acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_mul_ps(d, da[t]), acc[r][t]);
      }
    }
  }
  for (int r = 0; r < RM; ++r)
    for (int t = 0; t < RN; ++t) out[r][t] = hsum(acc[r][t]);
}

template <class D>
struct FamilyK {
  static constexpr int64_t kBlockElems = 256;
  static constexpr int64_t kPackedBlockBytes = sizeof(PackedK);
  static constexpr int kRM = 2, kRN = 4;
  static constexpr int64_t kKC = 4096;

  static void pack(const uint8_t* row, int64_t /*cols*/, int64_t b0, int64_t nb, uint8_t* dst) {
    auto* p = reinterpret_cast<PackedK*>(dst);
    for (int64_t b = 0; b < nb; ++b) pack_superblock<D>(row + (b0 + b) * D::kBytes, p + b);
  }

  template <int RM, int RN>
  static void packed_tile(const uint8_t* const* w, const uint8_t* const* x, int64_t /*cols*/,
                          int64_t b0, int64_t nb, float (&out)[RM][RN]) {
    PanelSource<RM> src{w, {}};
    tile<D, RM, RN>(src, x, b0, nb, out);
  }

  template <int RM, int RN>
  static void direct_tile(const uint8_t* const* w, const uint8_t* const* x, int64_t /*cols*/,
                          int64_t b0, int64_t nb, float (&out)[RM][RN]) {
    const uint8_t* rows[RM];
    for (int r = 0; r < RM; ++r) rows[r] = w[r] + b0 * D::kBytes;
    RawSource<D, RM> src{rows, {}, {}};
    tile<D, RM, RN>(src, x, b0, nb, out);
  }
};

}  // namespace

const TypeKernels kQ2_K = type_kernels<FamilyK<DecQ2_K>>();
const TypeKernels kQ3_K = type_kernels<FamilyK<DecQ3_K>>();
const TypeKernels kQ4_K = type_kernels<FamilyK<DecQ4_K>>();
const TypeKernels kQ5_K = type_kernels<FamilyK<DecQ5_K>>();
const TypeKernels kQ6_K = type_kernels<FamilyK<DecQ6_K>>();
const TypeKernels kIQ4_XS = type_kernels<FamilyK<DecIQ4_XS>>();

}  // namespace hearth::kernels::avx2

// kernels/x86_avx2: the 32-element block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL, MXFP4)
// against Q8_0 activations.
//
// A block decodes to 32 int8 codes u, a scale d and an offset: x = d * (u - kOffset) for the
// offset types, x = d * u + m for Q4_1 / Q5_1, x = d * u for the signed types (Q8_0, IQ4_NL).
// Per block and token: isum = u . a in int32 (maddubs + madd), y += (d * d_a) * isum, plus
// c * s_a with s_a = d_a * sum(a) and c = m or -kOffset * d.
// Both paths keep the unsigned codes (maddubs then needs no sign fix-up: 4 vector operations
// per block, row and token instead of 5 to 7) and add the offset terms of 8 blocks at a time
// with one f32 multiply-add into the accumulator's lanes. Signed types (Q8_0, IQ4_NL) multiply |q| by a * sign(q).
// Twin: ref::dot_row_q8.
#include <cstddef>

#include "kernels/x86_avx2/avx2_common.h"
#include "kernels/x86_avx2/avx2_gemm.h"
#include "kernels/x86_avx2/avx2_kernels.h"
#include "tensor/quant_blocks.h"

namespace hearth::kernels::avx2 {
namespace {

// ---- decoders: raw block bytes -> codes and scales -----------------------------------------

// kOffset >= 0: codes() are unsigned, x = d * (u - kOffset) (+ m where kHasMin).
// kOffset < 0: codes() are signed, x = d * q.
struct DecQ4_0 {
  static constexpr int64_t kBytes = sizeof(BlockQ4_0);
  static constexpr int64_t kDOffset = offsetof(BlockQ4_0, d);  // an f16 scale
  static constexpr int kOffset = 8;
  static constexpr bool kHasMin = false;
  static __m256i codes(const uint8_t* b) { return nibbles_lo_hi(b + offsetof(BlockQ4_0, qs)); }
  static float d(const uint8_t* b) { return f16_to_f32(b + offsetof(BlockQ4_0, d)); }
  static float m(const uint8_t*) { return 0.0f; }
};

struct DecQ4_1 {
  static constexpr int64_t kBytes = sizeof(BlockQ4_1);
  static constexpr int64_t kDOffset = offsetof(BlockQ4_1, d);  // an f16 scale
  static constexpr int64_t kMOffset = offsetof(BlockQ4_1, m);
  static constexpr int kOffset = 0;
  static constexpr bool kHasMin = true;
  static __m256i codes(const uint8_t* b) { return nibbles_lo_hi(b + offsetof(BlockQ4_1, qs)); }
  static float d(const uint8_t* b) { return f16_to_f32(b + offsetof(BlockQ4_1, d)); }
  static float m(const uint8_t* b) { return f16_to_f32(b + offsetof(BlockQ4_1, m)); }
};

// The 5-bit codes of Q5_0 / Q5_1: nibbles plus bit j of qh as bit 4.
inline __m256i q5_codes(const uint8_t* qs, const uint8_t* qh) {
  const __m256i high = _mm256_and_si256(bits_to_bytes(load_u32(qh)), _mm256_set1_epi8(0x10));
  return _mm256_or_si256(nibbles_lo_hi(qs), high);
}

struct DecQ5_0 {
  static constexpr int64_t kBytes = sizeof(BlockQ5_0);
  static constexpr int64_t kDOffset = offsetof(BlockQ5_0, d);  // an f16 scale
  static constexpr int kOffset = 16;
  static constexpr bool kHasMin = false;
  static __m256i codes(const uint8_t* b) {
    return q5_codes(b + offsetof(BlockQ5_0, qs), b + offsetof(BlockQ5_0, qh));
  }
  static float d(const uint8_t* b) { return f16_to_f32(b + offsetof(BlockQ5_0, d)); }
  static float m(const uint8_t*) { return 0.0f; }
};

struct DecQ5_1 {
  static constexpr int64_t kBytes = sizeof(BlockQ5_1);
  static constexpr int64_t kDOffset = offsetof(BlockQ5_1, d);  // an f16 scale
  static constexpr int64_t kMOffset = offsetof(BlockQ5_1, m);
  static constexpr int kOffset = 0;
  static constexpr bool kHasMin = true;
  static __m256i codes(const uint8_t* b) {
    return q5_codes(b + offsetof(BlockQ5_1, qs), b + offsetof(BlockQ5_1, qh));
  }
  static float d(const uint8_t* b) { return f16_to_f32(b + offsetof(BlockQ5_1, d)); }
  static float m(const uint8_t* b) { return f16_to_f32(b + offsetof(BlockQ5_1, m)); }
};

struct DecQ8_0 {
  static constexpr int64_t kBytes = sizeof(BlockQ8_0);
  static constexpr int64_t kDOffset = offsetof(BlockQ8_0, d);  // an f16 scale
  static constexpr int kOffset = -1;
  static constexpr bool kHasMin = false;
  static __m256i codes(const uint8_t* b) { return load256(b + offsetof(BlockQ8_0, qs)); }
  static float d(const uint8_t* b) { return f16_to_f32(b + offsetof(BlockQ8_0, d)); }
  static float m(const uint8_t*) { return 0.0f; }
};

struct DecIQ4_NL {
  static constexpr int64_t kBytes = sizeof(BlockIQ4_NL);
  static constexpr int64_t kDOffset = offsetof(BlockIQ4_NL, d);  // an f16 scale
  static constexpr int kOffset = -1;
  static constexpr bool kHasMin = false;
  static __m256i codes(const uint8_t* b) {
    return lookup16(kIQ4NLValues, nibbles_lo_hi(b + offsetof(BlockIQ4_NL, qs)));
  }
  static float d(const uint8_t* b) { return f16_to_f32(b + offsetof(BlockIQ4_NL, d)); }
  static float m(const uint8_t*) { return 0.0f; }
};

// E2M1 values (doubled, as kMXFP4Values) plus 12: unsigned codes 0..24.
constexpr int8_t kMXFP4Plus12[16] = {12, 13, 14, 15, 16, 18, 20, 24, 12, 11, 10, 9, 8, 6, 4, 0};

struct DecMXFP4 {
  static constexpr int64_t kBytes = sizeof(BlockMXFP4);
  static constexpr int kOffset = 12;
  static constexpr bool kHasMin = false;
  static __m256i codes(const uint8_t* b) {
    return lookup16(kMXFP4Plus12, nibbles_lo_hi(b + offsetof(BlockMXFP4, qs)));
  }
  static float d(const uint8_t* b) { return e8m0_half(b[offsetof(BlockMXFP4, e)]); }
  static float m(const uint8_t*) { return 0.0f; }
};

// ---- panels: unsigned codes | d[] | c[] per row ---------------------------------------------

template <class D>
struct Family32 {
  static constexpr int64_t kBlockElems = 32;
  static constexpr int64_t kPackedBlockBytes = 32 + 4 + 4;
  static constexpr int kRM = 2, kRN = 4;
  static constexpr int64_t kKC = 4096;
  static constexpr bool kSigned = D::kOffset < 0;
  static constexpr bool kOffsetTerm = D::kOffset > 0 || D::kHasMin;
  static constexpr int64_t kc = kKC / kBlockElems;  // blocks per panel row

  static int8_t* panel_q(uint8_t* row) { return reinterpret_cast<int8_t*>(row); }
  static float* panel_d(uint8_t* row) { return reinterpret_cast<float*>(row + 32 * kc); }
  static float* panel_c(uint8_t* row) { return panel_d(row) + kc; }
  static const int8_t* panel_q(const uint8_t* row) { return reinterpret_cast<const int8_t*>(row); }
  static const float* panel_d(const uint8_t* row) { return reinterpret_cast<const float*>(row + 32 * kc); }
  static const float* panel_c(const uint8_t* row) { return panel_d(row) + kc; }

  static void pack(const uint8_t* row, int64_t /*cols*/, int64_t b0, int64_t nb, uint8_t* dst) {
    for (int64_t b = 0; b < nb; ++b) {
      const uint8_t* blk = row + (b0 + b) * D::kBytes;
      store256(panel_q(dst) + 32 * b, D::codes(blk));
      const float d = D::d(blk);
      panel_d(dst)[b] = d;
      panel_c(dst)[b] = D::kHasMin ? D::m(blk) : -static_cast<float>(D::kOffset) * d;
    }
  }

  // Where a tile's blocks come from: a panel (decoded codes, d[] and c[] per row), or raw
  // rows decoded in registers (few tokens). Both give the tile the same values, and the tile
  // does the same arithmetic with them, so a (row, token) result does not depend on how many
  // tokens share the call (batch invariance: a sequence decodes the same alone or in a batch).
  struct PanelSource {
    const uint8_t* const* rows;
    __m256i codes(int r, int64_t b) const {
      return _mm256_load_si256(reinterpret_cast<const __m256i*>(panel_q(rows[r]) + 32 * b));
    }
    __m256 d8(int r, int64_t g) const { return _mm256_loadu_ps(panel_d(rows[r]) + g); }
    __m256 c8(int r, int64_t g) const { return _mm256_loadu_ps(panel_c(rows[r]) + g); }
    float d(int r, int64_t b) const { return panel_d(rows[r])[b]; }
    float c(int r, int64_t b) const { return panel_c(rows[r])[b]; }
  };
  struct RawSource {
    const uint8_t* const* rows;  // at the tile's first block
    const uint8_t* blk(int r, int64_t b) const { return rows[r] + b * D::kBytes; }
    __m256i codes(int r, int64_t b) const { return D::codes(blk(r, b)); }
    float d(int r, int64_t b) const { return D::d(blk(r, b)); }
    float c(int r, int64_t b) const {
      return D::kHasMin ? D::m(blk(r, b)) : -static_cast<float>(D::kOffset) * D::d(blk(r, b));
    }
    // The f16 fields at `offset` of 8 blocks, converted together (one vcvtph2ps, not 8).
    __m256 f16_fields8(int r, int64_t g, int64_t offset) const {
      __m128i h = _mm_setzero_si128();
      const uint8_t* p = blk(r, g) + offset;
      h = _mm_insert_epi16(h, load_u16(p), 0);
      h = _mm_insert_epi16(h, load_u16(p + D::kBytes), 1);
      h = _mm_insert_epi16(h, load_u16(p + 2 * D::kBytes), 2);
      h = _mm_insert_epi16(h, load_u16(p + 3 * D::kBytes), 3);
      h = _mm_insert_epi16(h, load_u16(p + 4 * D::kBytes), 4);
      h = _mm_insert_epi16(h, load_u16(p + 5 * D::kBytes), 5);
      h = _mm_insert_epi16(h, load_u16(p + 6 * D::kBytes), 6);
      h = _mm_insert_epi16(h, load_u16(p + 7 * D::kBytes), 7);
      return _mm256_cvtph_ps(h);
    }
    __m256 d8(int r, int64_t g) const {
      if constexpr (requires { D::kDOffset; }) {
        return f16_fields8(r, g, D::kDOffset);
      } else {
        return _mm256_setr_ps(d(r, g), d(r, g + 1), d(r, g + 2), d(r, g + 3), d(r, g + 4), d(r, g + 5),
                              d(r, g + 6), d(r, g + 7));
      }
    }
    // c = m, or -kOffset * d (the same multiply the panel's pack does per block).
    __m256 c8(int r, int64_t g) const {
      if constexpr (requires { D::kMOffset; }) {
        return f16_fields8(r, g, D::kMOffset);
      } else if constexpr (!D::kHasMin) {
        return _mm256_mul_ps(d8(r, g), _mm256_set1_ps(-static_cast<float>(D::kOffset)));
      } else {
        return _mm256_setr_ps(c(r, g), c(r, g + 1), c(r, g + 2), c(r, g + 3), c(r, g + 4), c(r, g + 5),
                              c(r, g + 6), c(r, g + 7));
      }
    }
  };

  // out[r][t] = the dot over the source's blocks [0, nb) (activation blocks [b0, b0 + nb)).
  template <int RM, int RN, class Src>
  static void tile(const Src& src, const uint8_t* const* x, int64_t b0, int64_t nb, float (&out)[RM][RN]) {
    __m256 acc[RM][RN];
    for (int r = 0; r < RM; ++r)
      for (int t = 0; t < RN; ++t) acc[r][t] = _mm256_setzero_ps();
    // Blocks go 8 at a time (an activation group; b0 is a multiple of 8). Their scales
    // d * d_a take one vector multiply per row and token; the block loop then broadcasts
    // them from memory (a load, not an ALU operation).
    alignas(32) float scale[RM][RN][8];
    for (int64_t g = 0; g < nb; g += 8) {
      const int64_t n = min64(8, nb - g);
      if (n == 8) {
        for (int r = 0; r < RM; ++r) {
          const __m256 dw = src.d8(r, g);
          for (int t = 0; t < RN; ++t)
            _mm256_store_ps(scale[r][t], _mm256_mul_ps(dw, _mm256_loadu_ps(q8_0_d(x[t], b0 + g))));
        }
        if constexpr (kOffsetTerm) {  // the 8 blocks' c * s_a go into the accumulator's lanes
          for (int r = 0; r < RM; ++r) {
            const __m256 c = src.c8(r, g);
            for (int t = 0; t < RN; ++t)
              acc[r][t] = _mm256_fmadd_ps(c, _mm256_loadu_ps(q8_0_s(x[t], b0 + g)), acc[r][t]);
          }
        }
      } else {
        for (int r = 0; r < RM; ++r) {
          for (int t = 0; t < RN; ++t) {
            float offset = 0.0f;
            for (int64_t k = 0; k < n; ++k) {
              scale[r][t][k] = src.d(r, g + k) * q8_0_d(x[t], b0 + g)[k];
              if constexpr (kOffsetTerm) offset += src.c(r, g + k) * q8_0_s(x[t], b0 + g)[k];
            }
            if constexpr (kOffsetTerm) acc[r][t] = _mm256_add_ps(acc[r][t], _mm256_setr_ps(offset, 0, 0, 0, 0, 0, 0, 0));
          }
        }
      }
      for (int64_t k = 0; k < n; ++k) {
        const int64_t b = g + k;
        for (int r = 0; r < RM; ++r) {
          const __m256i q = src.codes(r, b);
          const __m256i abs_q = kSigned ? _mm256_abs_epi8(q) : q;
          for (int t = 0; t < RN; ++t) {
            const __m256i a = load256(q8_0_qs(x[t], b0 + b));
            const __m256i pairs = kSigned ? mul_pairs_signed(abs_q, q, a) : _mm256_maddubs_epi16(q, a);
            const __m256 isum = _mm256_cvtepi32_ps(sum_pairs(pairs));
            acc[r][t] = _mm256_fmadd_ps(isum, _mm256_broadcast_ss(&scale[r][t][k]), acc[r][t]);
          }
        }
      }
    }
    for (int r = 0; r < RM; ++r)
      for (int t = 0; t < RN; ++t) out[r][t] = hsum(acc[r][t]);
  }

  template <int RM, int RN>
  static void packed_tile(const uint8_t* const* w, const uint8_t* const* x, int64_t /*cols*/,
                          int64_t b0, int64_t nb, float (&out)[RM][RN]) {
    tile<RM, RN>(PanelSource{w}, x, b0, nb, out);
  }

  template <int RM, int RN>
  static void direct_tile(const uint8_t* const* w, const uint8_t* const* x, int64_t /*cols*/,
                          int64_t b0, int64_t nb, float (&out)[RM][RN]) {
    const uint8_t* rows[RM];
    for (int r = 0; r < RM; ++r) rows[r] = w[r] + b0 * D::kBytes;
    tile<RM, RN>(RawSource{rows}, x, b0, nb, out);
  }
};

}  // namespace

const TypeKernels kQ4_0 = type_kernels<Family32<DecQ4_0>>();
const TypeKernels kQ4_1 = type_kernels<Family32<DecQ4_1>>();
const TypeKernels kQ5_0 = type_kernels<Family32<DecQ5_0>>();
const TypeKernels kQ5_1 = type_kernels<Family32<DecQ5_1>>();
const TypeKernels kQ8_0 = type_kernels<Family32<DecQ8_0>>();
const TypeKernels kIQ4_NL = type_kernels<Family32<DecIQ4_NL>>();
const TypeKernels kMXFP4 = type_kernels<Family32<DecMXFP4>>();

}  // namespace hearth::kernels::avx2

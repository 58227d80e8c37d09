// kernels/x86_avx2: the 32-element block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL, MXFP4)
// against Q8_0 activations.
//
// A block decodes to 32 int8 codes u, a scale d and an offset: x = d * (u - kOffset) for the
// offset types, x = d * u + m for Q4_1 / Q5_1, x = d * u for the signed types (Q8_0, IQ4_NL).
// Per block and token: isum = u . a in int32 (maddubs + madd), y += (d * d_a) * isum, plus
// c * s_a with s_a = d_a * sum(a) and c = m or -kOffset * d.
// Both paths keep the unsigned codes (maddubs then needs no sign fix-up: 4 vector operations
// per block, row and token instead of 5 to 7); direct tiles add the offset term per block,
// panels add the offset terms of 8 blocks at a time with one f32 multiply-add into the
// accumulator's lanes. Signed types (Q8_0, IQ4_NL) multiply |q| by a * sign(q).
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
  static constexpr int kOffset = 8;
  static constexpr bool kHasMin = false;
  static __m256i codes(const uint8_t* b) { return nibbles_lo_hi(b + offsetof(BlockQ4_0, qs)); }
  static float d(const uint8_t* b) { return f16_to_f32(b + offsetof(BlockQ4_0, d)); }
  static float m(const uint8_t*) { return 0.0f; }
};

struct DecQ4_1 {
  static constexpr int64_t kBytes = sizeof(BlockQ4_1);
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
  static constexpr int kOffset = -1;
  static constexpr bool kHasMin = false;
  static __m256i codes(const uint8_t* b) { return load256(b + offsetof(BlockQ8_0, qs)); }
  static float d(const uint8_t* b) { return f16_to_f32(b + offsetof(BlockQ8_0, d)); }
  static float m(const uint8_t*) { return 0.0f; }
};

struct DecIQ4_NL {
  static constexpr int64_t kBytes = sizeof(BlockIQ4_NL);
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

// ---- direct tiles: decode in registers -----------------------------------------------------

// Unsigned codes (the offset and min types) go straight into maddubs; their offset term
// c * s_a (c = m, or -kOffset * d) is added per block from the activation's precomputed sum,
// which saves the subtract / abs / sign of the signed form (3 of ~12 vector operations).
template <class D, int RM, int RN>
inline void direct(const uint8_t* const* w, const uint8_t* const* x, int64_t cols,
                   float (&out)[RM][RN]) {
  constexpr bool kUnsigned = D::kOffset > 0 || D::kHasMin;
  __m256 acc[RM][RN];
  float offset[RM][RN];
  for (int r = 0; r < RM; ++r)
    for (int t = 0; t < RN; ++t) {
      acc[r][t] = _mm256_setzero_ps();
      offset[r][t] = 0.0f;
    }
  for (int64_t b = 0; b < cols / 32; ++b) {
    __m256i a[RN];
    float da[RN];
    for (int t = 0; t < RN; ++t) {
      a[t] = load256(q8_0_qs(x[t], b));
      da[t] = *q8_0_d(x[t], b);
    }
    for (int r = 0; r < RM; ++r) {
      const uint8_t* blk = w[r] + b * D::kBytes;
      const __m256i q = D::codes(blk);
      const float d = D::d(blk);
      const __m256i abs_q = kUnsigned ? q : _mm256_abs_epi8(q);
      for (int t = 0; t < RN; ++t) {
        const __m256i pairs = kUnsigned ? _mm256_maddubs_epi16(q, a[t]) : mul_pairs_signed(abs_q, q, a[t]);
        const __m256 isum = _mm256_cvtepi32_ps(sum_pairs(pairs));
        acc[r][t] = _mm256_fmadd_ps(isum, _mm256_set1_ps(d * da[t]), acc[r][t]);
        if constexpr (kUnsigned) {
          const float c = D::kHasMin ? D::m(blk) : -static_cast<float>(D::kOffset) * d;
          offset[r][t] += c * *q8_0_s(x[t], b);
        }
      }
    }
  }
  for (int r = 0; r < RM; ++r)
    for (int t = 0; t < RN; ++t) out[r][t] = hsum(acc[r][t]) + offset[r][t];
}

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

  template <int RM, int RN>
  static void packed_tile(const uint8_t* const* w, const uint8_t* const* x, int64_t /*cols*/,
                          int64_t b0, int64_t nb, float (&out)[RM][RN]) {
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
          const __m256 dw = _mm256_loadu_ps(panel_d(w[r]) + g);
          for (int t = 0; t < RN; ++t)
            _mm256_store_ps(scale[r][t], _mm256_mul_ps(dw, _mm256_loadu_ps(q8_0_d(x[t], b0 + g))));
        }
        if constexpr (kOffsetTerm) {  // the 8 blocks' c * s_a go into the accumulator's lanes
          for (int r = 0; r < RM; ++r) {
            const __m256 c = _mm256_loadu_ps(panel_c(w[r]) + g);
            for (int t = 0; t < RN; ++t)
              acc[r][t] = _mm256_fmadd_ps(c, _mm256_loadu_ps(q8_0_s(x[t], b0 + g)), acc[r][t]);
          }
        }
      } else {
        for (int r = 0; r < RM; ++r) {
          for (int t = 0; t < RN; ++t) {
            float offset = 0.0f;
            for (int64_t k = 0; k < n; ++k) {
              scale[r][t][k] = panel_d(w[r])[g + k] * q8_0_d(x[t], b0 + g)[k];
              if constexpr (kOffsetTerm) offset += panel_c(w[r])[g + k] * q8_0_s(x[t], b0 + g)[k];
            }
            if constexpr (kOffsetTerm) acc[r][t] = _mm256_add_ps(acc[r][t], _mm256_setr_ps(offset, 0, 0, 0, 0, 0, 0, 0));
          }
        }
      }
      for (int64_t k = 0; k < n; ++k) {
        const int64_t b = g + k;
        for (int r = 0; r < RM; ++r) {
          const __m256i q = _mm256_load_si256(reinterpret_cast<const __m256i*>(panel_q(w[r]) + 32 * b));
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
  static void direct_tile(const uint8_t* const* w, const uint8_t* const* x, int64_t cols,
                          float (&out)[RM][RN]) {
    direct<D, RM, RN>(w, x, cols, out);
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

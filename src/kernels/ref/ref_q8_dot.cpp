// kernels/ref: dot products of weight rows with quantised activation rows, summed in
// integers per block, the scalar twins of the fast kernels (see ref_q8.h).
//
// Each weight block is written here in its natural integer form, straight from its
// definition: x = d * q + m (32-element types) or x = d * sc_g * q - dm * mn_g over groups of
// 16 (super-block types). Per block: isum = sum q * a (times sc_g per group), msum =
// sum_g mn_g * bsum_g, then y += (d * d_a) * isum + m * s_a - (dm * d_a) * msum.
#include "base/check.h"
#include "kernels/ref/ref_kernels.h"
#include "kernels/ref/ref_kquant_scales.h"
#include "kernels/ref/ref_q8.h"
#include "tensor/quant_blocks.h"

namespace hearth::kernels::ref {
namespace {

struct Codes32 {
  int q[32];
  float d = 0.0f;
  float m = 0.0f;  // Q4_1, Q5_1 only
};

// Nibble j of a Q4_0-ordered 16-byte array: low nibbles are elements 0..15.
int nibble(const uint8_t* qs, int j) { return j < 16 ? (qs[j] & 0x0f) : (qs[j - 16] >> 4); }

int q5_code(const uint8_t* qs, const uint8_t* qh, int j) {
  return nibble(qs, j) | static_cast<int>(((load_u32(qh) >> j) & 1u) << 4);
}

Codes32 codes32(DType t, const uint8_t* blk) {
  Codes32 c;
  switch (t) {
    case DType::Q4_0: {
      const auto* b = reinterpret_cast<const BlockQ4_0*>(blk);
      for (int j = 0; j < 32; ++j) c.q[j] = nibble(b->qs, j) - 8;
      c.d = load_f16(b->d);
      break;
    }
    case DType::Q4_1: {
      const auto* b = reinterpret_cast<const BlockQ4_1*>(blk);
      for (int j = 0; j < 32; ++j) c.q[j] = nibble(b->qs, j);
      c.d = load_f16(b->d);
      c.m = load_f16(b->m);
      break;
    }
    case DType::Q5_0: {
      const auto* b = reinterpret_cast<const BlockQ5_0*>(blk);
      for (int j = 0; j < 32; ++j) c.q[j] = q5_code(b->qs, b->qh, j) - 16;
      c.d = load_f16(b->d);
      break;
    }
    case DType::Q5_1: {
      const auto* b = reinterpret_cast<const BlockQ5_1*>(blk);
      for (int j = 0; j < 32; ++j) c.q[j] = q5_code(b->qs, b->qh, j);
      c.d = load_f16(b->d);
      c.m = load_f16(b->m);
      break;
    }
    case DType::Q8_0: {
      const auto* b = reinterpret_cast<const BlockQ8_0*>(blk);
      for (int j = 0; j < 32; ++j) c.q[j] = b->qs[j];
      c.d = load_f16(b->d);
      break;
    }
    case DType::IQ4_NL: {
      const auto* b = reinterpret_cast<const BlockIQ4_NL*>(blk);
      for (int j = 0; j < 32; ++j) c.q[j] = kIQ4NLValues[nibble(b->qs, j)];
      c.d = load_f16(b->d);
      break;
    }
    case DType::MXFP4: {
      const auto* b = reinterpret_cast<const BlockMXFP4*>(blk);
      for (int j = 0; j < 32; ++j) c.q[j] = kMXFP4Values[nibble(b->qs, j)];
      c.d = e8m0_to_f32_half(b->e);
      break;
    }
    default:
      HEARTH_CHECK(false && "not a 32-element block type");
  }
  return c;
}

struct CodesK {
  int q[256];
  int sc[16];       // per 16 elements
  int mn[16] = {};  // per 16 elements (Q2_K, Q4_K, Q5_K)
  float d = 0.0f;
  float dm = 0.0f;
};

// Element e of a 2-bit strip layout (Q2_K, Q3_K): bit pair (e % 128) / 32 of byte
// qs[32 * (e / 128) + e % 32].
int bit_pair_code(const uint8_t* qs, int e) {
  return (qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
}

// Element e of a 4-bit strip layout (Q4_K, Q5_K): group of 32 j = e / 32 takes the low
// (j even) or high (j odd) nibbles of strip j / 2.
int strip_nibble(const uint8_t* qs, int e) {
  const int j = e / 32;
  return (qs[32 * (j / 2) + e % 32] >> (4 * (j % 2))) & 0x0f;
}

CodesK codes_k(DType t, const uint8_t* blk) {
  CodesK c;
  switch (t) {
    case DType::Q2_K: {
      const auto* b = reinterpret_cast<const BlockQ2_K*>(blk);
      for (int e = 0; e < 256; ++e) c.q[e] = bit_pair_code(b->qs, e);
      for (int g = 0; g < 16; ++g) {
        c.sc[g] = b->scales[g] & 0x0f;
        c.mn[g] = b->scales[g] >> 4;
      }
      c.d = load_f16(b->d);
      c.dm = load_f16(b->dmin);
      break;
    }
    case DType::Q3_K: {
      const auto* b = reinterpret_cast<const BlockQ3_K*>(blk);
      for (int e = 0; e < 256; ++e) {
        const bool high = ((b->hmask[e % 32] >> (e / 32)) & 1) != 0;
        c.q[e] = bit_pair_code(b->qs, e) - (high ? 0 : 4);
      }
      unpack_q3_k_scales(b->scales, c.sc);
      c.d = load_f16(b->d);
      break;
    }
    case DType::Q4_K:
    case DType::Q5_K: {
      const bool q5 = t == DType::Q5_K;
      const auto* b4 = reinterpret_cast<const BlockQ4_K*>(blk);
      const auto* b5 = reinterpret_cast<const BlockQ5_K*>(blk);
      for (int e = 0; e < 256; ++e) {
        c.q[e] = q5 ? strip_nibble(b5->qs, e) | (((b5->qh[e % 32] >> (e / 32)) & 1) << 4)
                    : strip_nibble(b4->qs, e);
      }
      int scales[8], mins[8];
      unpack_k4_scales(q5 ? b5->scales : b4->scales, scales, mins);
      for (int g = 0; g < 16; ++g) {
        c.sc[g] = scales[g / 2];
        c.mn[g] = mins[g / 2];
      }
      c.d = load_f16(q5 ? b5->d : b4->d);
      c.dm = load_f16(q5 ? b5->dmin : b4->dmin);
      break;
    }
    case DType::Q6_K: {
      const auto* b = reinterpret_cast<const BlockQ6_K*>(blk);
      for (int e = 0; e < 256; ++e) {
        const int half = e / 128, strip = (e % 128) / 32, l = e % 32;
        const int low = (b->ql[64 * half + 32 * (strip % 2) + l] >> (4 * (strip / 2))) & 0x0f;
        const int high = (b->qh[32 * half + l] >> (2 * strip)) & 3;
        c.q[e] = (low | (high << 4)) - 32;
      }
      for (int g = 0; g < 16; ++g) c.sc[g] = b->scales[g];
      c.d = load_f16(b->d);
      break;
    }
    case DType::IQ4_XS: {
      const auto* b = reinterpret_cast<const BlockIQ4_XS*>(blk);
      const uint16_t scales_h = load_u16(b->scales_h);
      for (int j = 0; j < 8; ++j) {
        const int low = (b->scales_l[j / 2] >> (4 * (j % 2))) & 0x0f;
        const int high = (scales_h >> (2 * j)) & 3;
        c.sc[2 * j] = c.sc[2 * j + 1] = (low | (high << 4)) - 32;
        for (int l = 0; l < 32; ++l) c.q[32 * j + l] = kIQ4NLValues[nibble(b->qs + 16 * j, l)];
      }
      c.d = load_f16(b->d);
      break;
    }
    default:
      HEARTH_CHECK(false && "not a super-block type");
  }
  return c;
}

float dot_blocks32(DType t, const uint8_t* w, const uint8_t* act_row, int64_t cols) {
  const int64_t block_bytes = traits(t).block_bytes;
  float y = 0.0f;
  for (int64_t b = 0; b < cols / 32; ++b) {
    const Codes32 c = codes32(t, w + b * block_bytes);
    const int8_t* qa = q8_0_qs(act_row, b);
    int32_t isum = 0;
    for (int j = 0; j < 32; ++j) isum += c.q[j] * qa[j];
    y += (c.d * *q8_0_d(act_row, b)) * static_cast<float>(isum) + c.m * *q8_0_s(act_row, b);
  }
  return y;
}

float dot_superblocks(DType t, const uint8_t* w, const uint8_t* act_row, int64_t cols) {
  const int64_t block_bytes = traits(t).block_bytes;
  float y = 0.0f;
  for (int64_t sb = 0; sb < cols / 256; ++sb) {
    const CodesK c = codes_k(t, w + sb * block_bytes);
    const int8_t* qa = q8_k_qs(act_row, sb);
    const int16_t* bsums = q8_k_bsums(act_row, sb);
    int64_t isum = 0, msum = 0;
    for (int g = 0; g < 16; ++g) {
      int32_t group = 0;
      for (int j = 16 * g; j < 16 * g + 16; ++j) group += c.q[j] * qa[j];
      isum += static_cast<int64_t>(c.sc[g]) * group;
      msum += static_cast<int64_t>(c.mn[g]) * bsums[g];
    }
    const float da = *q8_k_d(act_row, sb);
    y += (c.d * da) * static_cast<float>(isum) - (c.dm * da) * static_cast<float>(msum);
  }
  return y;
}

}  // namespace

float dot_row_q8(DType t, const void* w_row, const uint8_t* act_row, int64_t cols) {
  HEARTH_CHECK(validate_row(t, cols).is_ok());
  const auto* w = static_cast<const uint8_t*>(w_row);
  switch (act_format_for(t)) {
    case ActFormat::kQ8_0: return dot_blocks32(t, w, act_row, cols);
    case ActFormat::kQ8_K: return dot_superblocks(t, w, act_row, cols);
    case ActFormat::kF32: break;
  }
  HEARTH_CHECK(false && "dot_row_q8 needs a type with quantised activations");
  return 0.0f;
}

}  // namespace hearth::kernels::ref

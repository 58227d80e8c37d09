// kernels/ref: the k-quants Q2_K, Q3_K, Q4_K, Q5_K and Q6_K (256-element super-blocks).
//
// Element order inside a super-block: the 2-bit types (Q2_K, Q3_K) and Q6_K's high bits walk
// 32-byte strips of their code bytes, taking successively higher bit pairs for each further
// 32 elements; the 4-bit types take low then high nibbles of 32-byte strips. Products are
// rounded as in ggml (scale first, then code), which keeps the results bit-exact.
#include "kernels/ref/ref_dequant.h"
#include "kernels/ref/ref_kquant_scales.h"
#include "tensor/quant_blocks.h"

namespace hearth::kernels::ref {

void dequant_q2_k(const uint8_t* src, float* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, dst += kQK_K) {
    const auto* b = block_at<BlockQ2_K>(src, i);
    const float d = load_f16(b->d);
    const float dmin = load_f16(b->dmin);
    for (int e = 0; e < kQK_K; e += 16) {  // one scale byte per group of 16
      const uint8_t sc = b->scales[e / 16];
      const float dl = d * static_cast<float>(sc & 0x0f);
      const float ml = dmin * static_cast<float>(sc >> 4);
      const uint8_t* q = b->qs + (e / 128) * 32 + (e % 32);
      const int shift = 2 * ((e % 128) / 32);
      for (int l = 0; l < 16; ++l) dst[e + l] = dl * static_cast<float>((q[l] >> shift) & 3) - ml;
    }
  }
}

void dequant_q3_k(const uint8_t* src, float* dst, int64_t n_blocks) {
  int scales[16];
  for (int64_t i = 0; i < n_blocks; ++i, dst += kQK_K) {
    const auto* b = block_at<BlockQ3_K>(src, i);
    const float d = load_f16(b->d);
    unpack_q3_k_scales(b->scales, scales);
    for (int e = 0; e < kQK_K; e += 16) {
      const float dl = d * static_cast<float>(scales[e / 16]);
      const uint8_t* q = b->qs + (e / 128) * 32 + (e % 32);
      const uint8_t* hm = b->hmask + (e % 32);
      const int shift = 2 * ((e % 128) / 32);
      const int hbit = e / 32;  // bit of hmask that holds bit 2 of these codes
      for (int l = 0; l < 16; ++l) {
        // A clear high bit means the code is offset by -4 (ggml stores it inverted).
        const int code = ((q[l] >> shift) & 3) - (((hm[l] >> hbit) & 1) ? 0 : 4);
        dst[e + l] = dl * static_cast<float>(code);
      }
    }
  }
}

void dequant_q4_k(const uint8_t* src, float* dst, int64_t n_blocks) {
  int scales[8], mins[8];
  for (int64_t i = 0; i < n_blocks; ++i, dst += kQK_K) {
    const auto* b = block_at<BlockQ4_K>(src, i);
    const float d = load_f16(b->d);
    const float dmin = load_f16(b->dmin);
    unpack_k4_scales(b->scales, scales, mins);
    for (int j = 0; j < 8; ++j) {  // groups of 32: low nibbles of strip j / 2, then high
      const float dl = d * static_cast<float>(scales[j]);
      const float ml = dmin * static_cast<float>(mins[j]);
      const uint8_t* q = b->qs + (j / 2) * 32;
      const int shift = 4 * (j % 2);
      float* y = dst + j * 32;
      for (int l = 0; l < 32; ++l) y[l] = dl * static_cast<float>((q[l] >> shift) & 0x0f) - ml;
    }
  }
}

void dequant_q5_k(const uint8_t* src, float* dst, int64_t n_blocks) {
  int scales[8], mins[8];
  for (int64_t i = 0; i < n_blocks; ++i, dst += kQK_K) {
    const auto* b = block_at<BlockQ5_K>(src, i);
    const float d = load_f16(b->d);
    const float dmin = load_f16(b->dmin);
    unpack_k4_scales(b->scales, scales, mins);
    for (int j = 0; j < 8; ++j) {  // as Q4_K, plus bit j of qh[l] as bit 4
      const float dl = d * static_cast<float>(scales[j]);
      const float ml = dmin * static_cast<float>(mins[j]);
      const uint8_t* q = b->qs + (j / 2) * 32;
      const int shift = 4 * (j % 2);
      float* y = dst + j * 32;
      for (int l = 0; l < 32; ++l) {
        const int code = ((q[l] >> shift) & 0x0f) | (((b->qh[l] >> j) & 1) << 4);
        y[l] = dl * static_cast<float>(code) - ml;
      }
    }
  }
}

void dequant_q6_k(const uint8_t* src, float* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, dst += kQK_K) {
    const auto* b = block_at<BlockQ6_K>(src, i);
    const float d = load_f16(b->d);
    for (int e = 0; e < kQK_K; e += 16) {
      const float dl = d * static_cast<float>(b->scales[e / 16]);
      // Within each half (128 elements), 32-element strip s takes the low nibbles of
      // ql[64h + 32(s%2) ...] for s < 2 and the high nibbles for s >= 2, and bit pair s of
      // qh[32h ...] as bits 4..5.
      const int half = e / 128, strip = (e % 128) / 32, l0 = e % 32;
      const uint8_t* ql = b->ql + half * 64 + (strip % 2) * 32 + l0;
      const uint8_t* qh = b->qh + half * 32 + l0;
      const int lshift = 4 * (strip / 2), hshift = 2 * strip;
      for (int l = 0; l < 16; ++l) {
        const int code = ((ql[l] >> lshift) & 0x0f) | (((qh[l] >> hshift) & 3) << 4);
        dst[e + l] = dl * static_cast<float>(code - 32);
      }
    }
  }
}

}  // namespace hearth::kernels::ref

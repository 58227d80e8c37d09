// kernels/ref: the table types IQ4_NL, IQ4_XS and MXFP4, whose 4-bit codes index a small
// value table instead of being integers.
#include "kernels/ref/ref_dequant.h"
#include "tensor/quant_blocks.h"

namespace hearth::kernels::ref {
namespace {

// 16 bytes of nibbles -> 32 values: low nibbles first, then high nibbles (the Q4_0 order).
void lookup_nibbles(const uint8_t* qs, const int8_t table[16], float scale, float* dst) {
  for (int j = 0; j < 16; ++j) {
    dst[j] = scale * static_cast<float>(table[qs[j] & 0x0f]);
    dst[j + 16] = scale * static_cast<float>(table[qs[j] >> 4]);
  }
}

}  // namespace

void dequant_iq4_nl(const uint8_t* src, float* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, dst += kQK32) {
    const auto* b = block_at<BlockIQ4_NL>(src, i);
    lookup_nibbles(b->qs, kIQ4NLValues, load_f16(b->d), dst);
  }
}

void dequant_iq4_xs(const uint8_t* src, float* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, dst += kQK_K) {
    const auto* b = block_at<BlockIQ4_XS>(src, i);
    const float d = load_f16(b->d);
    const uint16_t scales_h = load_u16(b->scales_h);
    for (int ib = 0; ib < kQK_K / 32; ++ib) {
      // 6-bit scale of group ib: nibble ib of scales_l, bit pair ib of scales_h; offset 32.
      const int low = (b->scales_l[ib / 2] >> (4 * (ib % 2))) & 0x0f;
      const int high = (scales_h >> (2 * ib)) & 3;
      const float dl = d * static_cast<float>((low | (high << 4)) - 32);
      lookup_nibbles(b->qs + ib * 16, kIQ4NLValues, dl, dst + ib * 32);
    }
  }
}

void dequant_mxfp4(const uint8_t* src, float* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, dst += kQK32) {
    const auto* b = block_at<BlockMXFP4>(src, i);
    lookup_nibbles(b->qs, kMXFP4Values, e8m0_to_f32_half(b->e), dst);
  }
}

}  // namespace hearth::kernels::ref

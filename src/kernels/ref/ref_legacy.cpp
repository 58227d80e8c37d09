// kernels/ref: the 32-element block types Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0.
//
// Each product is rounded on its own (no fused multiply-add) in the order ggml and gguf-py
// use, which makes the results bit-identical to theirs.
#include "kernels/ref/ref_dequant.h"
#include "tensor/quant_blocks.h"

namespace hearth::kernels::ref {
namespace {

constexpr int kHalf = kQK32 / 2;

// The 5-bit codes of a Q5 block: nibble j (low nibbles first) plus bit j of qh as bit 4.
void q5_codes(const uint8_t* qs, const uint8_t* qh_bytes, int codes[kQK32]) {
  const uint32_t qh = load_u32(qh_bytes);
  for (int j = 0; j < kHalf; ++j) {
    codes[j] = (qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
    codes[j + kHalf] = (qs[j] >> 4) | static_cast<int>(((qh >> (j + kHalf)) & 1u) << 4);
  }
}

}  // namespace

void dequant_q4_0(const uint8_t* src, float* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, dst += kQK32) {
    const auto* b = block_at<BlockQ4_0>(src, i);
    const float d = load_f16(b->d);
    for (int j = 0; j < kHalf; ++j) {
      dst[j] = d * static_cast<float>((b->qs[j] & 0x0f) - 8);
      dst[j + kHalf] = d * static_cast<float>((b->qs[j] >> 4) - 8);
    }
  }
}

void dequant_q4_1(const uint8_t* src, float* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, dst += kQK32) {
    const auto* b = block_at<BlockQ4_1>(src, i);
    const float d = load_f16(b->d);
    const float m = load_f16(b->m);
    for (int j = 0; j < kHalf; ++j) {
      dst[j] = d * static_cast<float>(b->qs[j] & 0x0f) + m;
      dst[j + kHalf] = d * static_cast<float>(b->qs[j] >> 4) + m;
    }
  }
}

void dequant_q5_0(const uint8_t* src, float* dst, int64_t n_blocks) {
  int codes[kQK32];
  for (int64_t i = 0; i < n_blocks; ++i, dst += kQK32) {
    const auto* b = block_at<BlockQ5_0>(src, i);
    const float d = load_f16(b->d);
    q5_codes(b->qs, b->qh, codes);
    for (int j = 0; j < kQK32; ++j) dst[j] = d * static_cast<float>(codes[j] - 16);
  }
}

void dequant_q5_1(const uint8_t* src, float* dst, int64_t n_blocks) {
  int codes[kQK32];
  for (int64_t i = 0; i < n_blocks; ++i, dst += kQK32) {
    const auto* b = block_at<BlockQ5_1>(src, i);
    const float d = load_f16(b->d);
    const float m = load_f16(b->m);
    q5_codes(b->qs, b->qh, codes);
    for (int j = 0; j < kQK32; ++j) dst[j] = d * static_cast<float>(codes[j]) + m;
  }
}

void dequant_q8_0(const uint8_t* src, float* dst, int64_t n_blocks) {
  for (int64_t i = 0; i < n_blocks; ++i, dst += kQK32) {
    const auto* b = block_at<BlockQ8_0>(src, i);
    const float d = load_f16(b->d);
    for (int j = 0; j < kQK32; ++j) dst[j] = d * static_cast<float>(b->qs[j]);
  }
}

}  // namespace hearth::kernels::ref

// kernels/ref: the plain float types (F32, F16, BF16) widen exactly to f32.
#include <cstring>

#include "kernels/ref/ref_dequant.h"
#include "tensor/quant_blocks.h"

namespace hearth::kernels::ref {

void dequant_f32(const uint8_t* src, float* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

void dequant_f16(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_f32(load_u16(src + 2 * i));
}

void dequant_bf16(const uint8_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(load_u16(src + 2 * i));
}

}  // namespace hearth::kernels::ref

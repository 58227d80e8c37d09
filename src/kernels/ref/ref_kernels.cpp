// kernels/ref: type dispatch for the reference dequantisation and dot product.
#include "kernels/ref/ref_kernels.h"

#include <algorithm>
#include <cstdint>

#include "base/check.h"
#include "kernels/f32_dot.h"
#include "kernels/ref/ref_dequant.h"

namespace hearth::kernels::ref {
namespace {

// Elements dequantised at a time by dot_row: a multiple of every block size, small enough
// for the stack.
constexpr int64_t kChunk = 256;

struct Kernel {
  DequantBlocksFn dequant = nullptr;
  int64_t block_elems = 1;
  int64_t block_bytes = 0;
};

Kernel kernel_for(DType t, int64_t n) {
  const DequantBlocksFn fn = dequant_blocks_fn(t);
  HEARTH_CHECK(fn != nullptr);
  const auto& tr = traits(t);
  HEARTH_CHECK(n >= 0 && n % tr.block_elems == 0);
  return {fn, tr.block_elems, tr.block_bytes};
}

}  // namespace

DequantBlocksFn dequant_blocks_fn(DType t) {
  switch (t) {
    case DType::F32: return dequant_f32;
    case DType::F16: return dequant_f16;
    case DType::BF16: return dequant_bf16;
    case DType::Q4_0: return dequant_q4_0;
    case DType::Q4_1: return dequant_q4_1;
    case DType::Q5_0: return dequant_q5_0;
    case DType::Q5_1: return dequant_q5_1;
    case DType::Q8_0: return dequant_q8_0;
    case DType::Q2_K: return dequant_q2_k;
    case DType::Q3_K: return dequant_q3_k;
    case DType::Q4_K: return dequant_q4_k;
    case DType::Q5_K: return dequant_q5_k;
    case DType::Q6_K: return dequant_q6_k;
    case DType::IQ4_NL: return dequant_iq4_nl;
    case DType::IQ4_XS: return dequant_iq4_xs;
    case DType::MXFP4: return dequant_mxfp4;
    default: return nullptr;
  }
}

Status validate_row(DType t, int64_t n) {
  if (dequant_blocks_fn(t) == nullptr)
    return Status::errorf("type {} has no compute kernels (computable types: F32, F16, BF16, "
                          "Q4_0..Q8_0, Q2_K..Q6_K, IQ4_NL, IQ4_XS, MXFP4)",
                          dtype_name(t));
  const auto block = static_cast<int64_t>(traits(t).block_elems);
  if (n < 0 || n % block != 0)
    return Status::errorf("a row of {} elements is not a whole number of {} blocks ({} each)", n,
                          dtype_name(t), block);
  return Status::ok();
}

void dequantize_row(DType t, const void* src, float* dst, int64_t n) {
  const Kernel k = kernel_for(t, n);
  k.dequant(static_cast<const uint8_t*>(src), dst, n / k.block_elems);
}

float dot_row(DType t, const void* row, const float* x, int64_t n) {
  const Kernel k = kernel_for(t, n);
  // f32 rows need no conversion (GGUF aligns tensor data, so rows are float-aligned).
  if (t == DType::F32 && reinterpret_cast<uintptr_t>(row) % alignof(float) == 0)
    return dot_f32(static_cast<const float*>(row), x, n);
  const auto* bytes = static_cast<const uint8_t*>(row);
  float buf[kChunk];
  DotAccumulator acc;
  for (int64_t i = 0; i < n; i += kChunk) {
    const int64_t m = std::min(kChunk, n - i);
    k.dequant(bytes + i / k.block_elems * k.block_bytes, buf, m / k.block_elems);
    acc.add(buf, x + i, m);
  }
  return acc.total();
}

}  // namespace hearth::kernels::ref

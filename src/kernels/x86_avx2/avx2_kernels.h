// kernels/x86_avx2: the AVX2 kernels' entry points, declared without intrinsics so that the
// kernel table (compiled for any x86-64) can refer to them. Never call them unless
// cpu_features().has_avx2_kernels().
#pragma once

#include <cstdint>

#include "kernels/kernel_table.h"

namespace hearth::kernels::avx2 {

// Same output, bit for bit, as ref::quantize_row_q8_0 / ref::quantize_row_q8_k.
void quantize_row_q8_0(const float* x, int64_t cols, uint8_t* dst);
void quantize_row_q8_k(const float* x, int64_t cols, uint8_t* dst);

// Constant-initialised (no start-up code runs in the AVX2 files).
extern const TypeKernels kF32, kF16, kBF16;
extern const TypeKernels kQ4_0, kQ4_1, kQ5_0, kQ5_1, kQ8_0, kIQ4_NL, kMXFP4;
extern const TypeKernels kQ2_K, kQ3_K, kQ4_K, kQ5_K, kQ6_K, kIQ4_XS;
// For WeightLayout::kInterleaved8 (kernels/interleave.h).
extern const TypeKernels kQ4_0_x8, kQ8_0_x8, kQ4_K_x8, kQ6_K_x8;

}  // namespace hearth::kernels::avx2

// kernels/x86_avx2: the AVX2/F16C/FMA attention tile kernels (see AttentionKernels in
// kernels/kernel_table.h for what each computes), declared without intrinsics for the table.
#pragma once

#include <cstdint>

namespace hearth::kernels::avx2 {

void attn_load_keys(const uint16_t* const* rows, int64_t n_keys, int64_t dim, float* kt);
void attn_load_values(const uint16_t* const* rows, int64_t n_keys, int64_t dim, float* v);
void attn_scores(const float* q, int64_t n_rows, int64_t dim, const float* kt, float scale,
                 float* s);
void attn_accumulate_f16(float* acc, const float* v, int64_t dim, const float* w,
                         const float* rescale, int64_t n);
void attn_accumulate_f32(float* acc, const float* v, int64_t dim, const float* w, int64_t n);

}  // namespace hearth::kernels::avx2

// model: portable scalar versions of the attention tile kernels, used where the kernel table
// has none ("ref", non-x86). Same contracts as kernels::AttentionKernels; with them attention
// computes exactly what the plain per-query loops it replaced computed.
#pragma once

#include <cstdint>

#include "kernels/kernel_table.h"

namespace hearth::attention_scalar {

void load_keys(const uint16_t* const* rows, int64_t n_keys, int64_t dim, float* kt);
void load_values(const uint16_t* const* rows, int64_t n_keys, int64_t dim, float* v);
void scores(const float* q, int64_t n_rows, int64_t dim, const float* kt, float scale,
            float* s);
void accumulate_f16(float* acc, const float* v, int64_t dim, const float* w,
                    const float* rescale, int64_t n);
void accumulate_f32(float* acc, const float* v, int64_t dim, const float* w, int64_t n);

// The active kernel table's attention kernels, with the scalar ones filling any gap.
kernels::AttentionKernels active_attention_kernels();

}  // namespace hearth::attention_scalar

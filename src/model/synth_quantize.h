// model/synth: simple f32 -> block quantisers for every type `hearth synth` writes. They aim
// for valid blocks with a reasonable error (scales from the max abs or the min/max of each
// block), not for the best error: the weights they quantise are random anyway.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "tensor/dtype.h"

namespace hearth::synth {

// True for the types quantize_row can write: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
// Q2_K..Q6_K, IQ4_NL, IQ4_XS.
bool can_quantize(DType t);

// Writes n values of `src` as row_bytes(t, n) bytes of type t to `dst`. Errors when the type
// cannot be written or n is not a multiple of its block size.
Status quantize_row(DType t, const float* src, void* dst, int64_t n);

}  // namespace hearth::synth

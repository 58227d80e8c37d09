// kernels: the table of fast kernels for one instruction set, chosen once at start-up (or by
// set_isa / HEARTH_ISA), and the plain-data arguments they take.
//
// "ref" is the exact f32 path (dequantise, then f32 dot products): it has no table entries and
// kernels::matmul falls back to it. "avx2" (and "avx512" where built and supported) quantise
// the activations once per call (kernels/quant_act.h) and use integer dot products, the
// arithmetic llama.cpp's CPU backend uses; their scalar twins are ref::dot_row_q8.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "kernels/interleave.h"
#include "kernels/quant_act.h"
#include "tensor/dtype.h"

namespace hearth::kernels {

// `n_rows` rows of `cols` elements of one weight type, `row_bytes` apart.
struct WeightRows {
  const uint8_t* data;
  int64_t row_bytes;
  int64_t n_rows;
  int64_t cols;
};

// `n_tokens` activation rows in the weight type's ActFormat, `row_bytes` apart.
struct ActRows {
  const uint8_t* data;
  int64_t row_bytes;
  int64_t n_tokens;
};

// y[t * token_stride + r] receives the product of weight row r with activation row t.
struct OutRows {
  float* data;
  int64_t token_stride;
};

// The matrix product of one weight type: every weight row with every activation row.
// `scratch` is 64-byte aligned and holds at least scratch_bytes(cols) bytes; the kernel may
// use it freely (one per thread).
using MulFn = void (*)(const WeightRows& w, const ActRows& x, const OutRows& y, uint8_t* scratch);
using ScratchBytesFn = int64_t (*)(int64_t cols);
// Quantises one row of `cols` activations (a multiple of the format's block) into dst
// (act_row_bytes(format, cols) bytes, 64-byte aligned).
using QuantizeRowFn = void (*)(const float* x, int64_t cols, uint8_t* dst);

struct TypeKernels {
  MulFn mul = nullptr;
  ScratchBytesFn scratch_bytes = nullptr;
};

// Attention over one tile of kAttentionKeyTile keys (model/attention.cpp drives them; see
// model/attention.h for the two orders of arithmetic). Key and value rows are f16 and need
// not be contiguous (a paged cache), so a tile arrives as one pointer per key.
inline constexpr int64_t kAttentionKeyTile = 64;
// kt[d * kAttentionKeyTile + j] = key j, element d, as f32 (transposed); keys n_keys.. are 0.
using AttnLoadKeysFn = void (*)(const uint16_t* const* rows, int64_t n_keys, int64_t dim,
                                float* kt);
// v[j * dim + d] = value j, element d, as f32.
using AttnLoadValuesFn = void (*)(const uint16_t* const* rows, int64_t n_keys, int64_t dim,
                                  float* v);
// s[r * kAttentionKeyTile + j] = dot(q row r, key j) * scale for r < n_rows, every j of the
// tile; q holds n_rows rows of `dim`. The dot product sums in order of d.
using AttnScoresFn = void (*)(const float* q, int64_t n_rows, int64_t dim, const float* kt,
                              float scale, float* s);
// Row-wise order, for j < n in turn: if rescale[j] != 1, acc = f16(acc * rescale[j]); then
// acc = f16(fma(v_j, w[j], acc)), f16() rounding to the nearest half (acc holds halves).
using AttnAccumulateF16Fn = void (*)(float* acc, const float* v, int64_t dim, const float* w,
                                     const float* rescale, int64_t n);
// Tiled order: acc += w[j] * v_j for j < n in turn (f32).
using AttnAccumulateF32Fn = void (*)(float* acc, const float* v, int64_t dim, const float* w,
                                     int64_t n);

struct AttentionKernels {
  AttnLoadKeysFn load_keys = nullptr;
  AttnLoadValuesFn load_values = nullptr;
  AttnScoresFn scores = nullptr;
  AttnAccumulateF16Fn accumulate_f16 = nullptr;
  AttnAccumulateF32Fn accumulate_f32 = nullptr;
};

struct KernelTable {
  // Type ids 0..kTypeSlots-1 (the ggml ids of every computable type fit).
  static constexpr int kTypeSlots = 40;

  std::string_view name = "ref";
  QuantizeRowFn quantize_q8_0 = nullptr;
  QuantizeRowFn quantize_q8_k = nullptr;
  TypeKernels types[kTypeSlots] = {};
  // The same products for weights in WeightLayout::kInterleaved8 (kernels/interleave.h): `w`
  // starts at a group of 8 rows and n_rows is a multiple of 8.
  TypeKernels interleaved[kTypeSlots] = {};
  // Rows a kernel decodes together for several tokens; tasks split rows in multiples of it.
  int64_t row_block = 16;
  // Null in "ref": model/attention_scalar.cpp's portable versions run instead.
  AttentionKernels attention;

  // The kernels for weight type t, or nullptr if this table has none (use the exact path).
  const TypeKernels* find(DType t, WeightLayout layout = WeightLayout::kRows) const {
    const auto id = static_cast<uint32_t>(t);
    if (id >= kTypeSlots) return nullptr;
    const TypeKernels& k = layout == WeightLayout::kRows ? types[id] : interleaved[id];
    return k.mul == nullptr ? nullptr : &k;
  }
  QuantizeRowFn quantizer(ActFormat f) const {
    return f == ActFormat::kQ8_0 ? quantize_q8_0 : f == ActFormat::kQ8_K ? quantize_q8_k : nullptr;
  }
};

// Selects the kernels by name: "ref" (exact f32), "avx2", "avx512" or
// "auto" (the best this CPU runs). An error names what the CPU lacks; the choice is unchanged.
Status set_isa(std::string_view name);
// The name of the selected table ("ref", "avx2", ...).
std::string_view isa_name();
// The selected table. On first use HEARTH_ISA (if set) picks it; invalid values are logged
// and ignored.
const KernelTable& active_kernels();
// The table for an ISA name ("auto" resolved), or nullptr if unknown, not built, or not
// supported by this CPU. For tests and benchmarks that compare tables side by side.
const KernelTable* kernels_for_isa(std::string_view name);

}  // namespace hearth::kernels

// kernels/x86_avx2: the loop nest shared by every AVX2 weight type (a family supplies the
// block decoding and the register-blocked tiles).
//
// Few tokens (decode, or an expert that got few of them): each weight block is decoded in
// registers and used at once for every token ("direct" tiles). More tokens: a panel of
// kMC rows x F::kKC columns is decoded once into scratch (it stays in L2); then for each
// tile of F::kRN tokens (whose activation slices stay in L1) the panel's rows stream past in
// register tiles of F::kRM rows x F::kRN tokens. A weight block is so decoded once per call
// and read from L2 once per F::kRN tokens.
//
// A family F provides:
//   kBlockElems                  elements per block (a row holds ceil(cols / kBlockElems))
//   kPackedBlockBytes            bytes of one decoded block in a panel (a multiple of 4)
//   kRM, kRN                     the register tile of the packed path
//   kKC                          panel columns (a multiple of 256)
//   pack(row, cols, b0, nb, dst) decodes blocks [b0, b0 + nb) of a raw row into a panel row
//                                (panel_blocks<F>() blocks long)
//   packed_tile<RM, RN>(w, x, cols, b0, nb, out)   w: RM panel rows, x: RN activation rows;
//                                out[r][t] = the dot over blocks [b0, b0 + nb)
//   direct_tile<RM, RN>(w, x, cols, b0, nb, out)   the same from raw rows (same arithmetic)
#pragma once

#include <cstdint>
#include <immintrin.h>

#include "kernels/kernel_table.h"

namespace hearth::kernels::avx2 {
namespace {

// Rows decoded together per direct tile, and the most tokens a direct tile takes.
constexpr int kDirectRM = 2;
constexpr int kDirectMaxTokens = 3;
// Panel rows of the packed path (the columns, F::kKC, depend on the decoded size).
constexpr int64_t kMC = 16;

inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

template <class F>
constexpr int64_t panel_blocks() {
  static_assert(F::kKC % 256 == 0, "panels start on activation groups");
  return F::kKC / F::kBlockElems;
}
// An odd number of 64-byte lines, so that panel rows do not share cache sets.
template <class F>
constexpr int64_t panel_row_bytes() {
  const int64_t lines = (panel_blocks<F>() * F::kPackedBlockBytes + 63) / 64;
  return (lines % 2 == 0 ? lines + 1 : lines) * 64;
}

template <class F>
int64_t gemm_scratch_bytes(int64_t /*cols*/) {
  return kMC * panel_row_bytes<F>();
}

// Writes (first panel) or adds (later panels) a tile's valid part into y.
template <int RM, int RN>
void store_tile(const float (&out)[RM][RN], int64_t n_rows, int64_t n_tok, bool accumulate,
                float* y, int64_t token_stride) {
  for (int64_t t = 0; t < n_tok; ++t) {
    float* yt = y + t * token_stride;
    for (int64_t r = 0; r < n_rows; ++r) yt[r] = accumulate ? yt[r] + out[r][t] : out[r][t];
  }
}

// Decoding streams the weights from DRAM once. Left to the hardware prefetcher, the first
// loads of each row (its blocks' scales) wait on memory; asking for all of the next tile's
// lines while decoding this one keeps them in flight together. Measured on the 1B shape in
// Q4_K_M, 2 threads: 6 tok/s without, 23 with (one row per tile, next tile; the tile after
// that or the current one measured lower).
inline void prefetch_rows(const WeightRows& w, int64_t r0, int64_t n_rows) {
  const uint8_t* begin = w.data + r0 * w.row_bytes;
  const uint8_t* end = begin + n_rows * w.row_bytes;
  for (const uint8_t* p = begin; p < end; p += 64) _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0);
}

// Few tokens: tiles decoded from the raw rows, split at the panels' column boundaries and
// summed panel by panel exactly as gemm_rows sums them, so that each (row, token) result is
// the same whichever path computes it.
template <class F, int RN>
void direct_rows(const WeightRows& w, const ActRows& x, const OutRows& y) {
  constexpr int64_t kc = panel_blocks<F>();
  const int64_t n_blocks = (w.cols + F::kBlockElems - 1) / F::kBlockElems;
  const uint8_t* xt[RN];
  for (int t = 0; t < RN; ++t) xt[t] = x.data + t * x.row_bytes;
  for (int64_t r0 = 0; r0 < w.n_rows; r0 += kDirectRM) {
    const int64_t nr = min64(kDirectRM, w.n_rows - r0);
    if (r0 == 0) prefetch_rows(w, 0, nr);
    if (const int64_t next = r0 + kDirectRM; next < w.n_rows) prefetch_rows(w, next, min64(kDirectRM, w.n_rows - next));
    const uint8_t* wr[kDirectRM];
    for (int64_t r = 0; r < kDirectRM; ++r) wr[r] = w.data + (r0 + min64(r, nr - 1)) * w.row_bytes;
    for (int64_t b0 = 0; b0 < n_blocks; b0 += kc) {
      float out[kDirectRM][RN];
      F::template direct_tile<kDirectRM, RN>(wr, xt, w.cols, b0, min64(kc, n_blocks - b0), out);
      store_tile<kDirectRM, RN>(out, nr, RN, b0 > 0, y.data + r0, y.token_stride);
    }
  }
}

struct PanelSlice {
  const uint8_t* panel;  // kMC panel rows
  int64_t mr;            // valid rows
  int64_t cols, b0, nb;  // the panel's blocks [b0, b0 + nb)
  bool accumulate;       // add to y (a later panel of the same rows)
};

// One tile: panel rows [i0, i0 + F::kRM) (repeating the last valid row) against RN tokens
// from x0 (n_tok of them valid, the others repeating the last one).
template <class F, int RN>
void packed_tile_at(const PanelSlice& p, int64_t i0, const uint8_t* x0, int64_t x_stride,
                    int64_t n_tok, float* y, int64_t token_stride) {
  constexpr int RM = F::kRM;
  const uint8_t* xt[RN];
  for (int64_t t = 0; t < RN; ++t) xt[t] = x0 + min64(t, n_tok - 1) * x_stride;
  const int64_t nr = min64(RM, p.mr - i0);
  const uint8_t* wp[RM];
  for (int64_t r = 0; r < RM; ++r) wp[r] = p.panel + (i0 + min64(r, nr - 1)) * panel_row_bytes<F>();
  float out[RM][RN];
  F::template packed_tile<RM, RN>(wp, xt, p.cols, p.b0, p.nb, out);
  store_tile<RM, RN>(out, nr, n_tok, p.accumulate, y + i0, token_stride);
}

// packed_tile_at with the largest instantiated token count N <= n_tok.
template <class F, int N>
void packed_tile_upto(const PanelSlice& p, int64_t i0, const uint8_t* x0, int64_t x_stride,
                      int64_t n_tok, float* y, int64_t token_stride) {
  if constexpr (N > 1) {
    if (n_tok < N) return packed_tile_upto<F, N - 1>(p, i0, x0, x_stride, n_tok, y, token_stride);
  }
  packed_tile_at<F, N>(p, i0, x0, x_stride, n_tok, y, token_stride);
}

// The packed path (see the top of this file).
template <class F>
void gemm_rows(const WeightRows& w, const ActRows& x, const OutRows& y, uint8_t* scratch) {
  constexpr int64_t kc = panel_blocks<F>();
  const int64_t n_blocks = (w.cols + F::kBlockElems - 1) / F::kBlockElems;
  for (int64_t r0 = 0; r0 < w.n_rows; r0 += kMC) {
    const int64_t mr = min64(kMC, w.n_rows - r0);
    for (int64_t b0 = 0; b0 < n_blocks; b0 += kc) {
      const int64_t nb = min64(kc, n_blocks - b0);
      for (int64_t i = 0; i < mr; ++i)
        F::pack(w.data + (r0 + i) * w.row_bytes, w.cols, b0, nb, scratch + i * panel_row_bytes<F>());
      const PanelSlice slice{scratch, mr, w.cols, b0, nb, b0 > 0};
      // A token tile's activations stay in L1 while the panel's rows stream past from L2.
      // (The other order, a row slice in L1 and the activations streaming, measured no
      // better for any family.)
      for (int64_t t0 = 0; t0 < x.n_tokens; t0 += F::kRN) {
        const int64_t nt = min64(F::kRN, x.n_tokens - t0);
        for (int64_t i0 = 0; i0 < mr; i0 += F::kRM)
          packed_tile_upto<F, F::kRN>(slice, i0, x.data + t0 * x.row_bytes, x.row_bytes, nt,
                                      y.data + t0 * y.token_stride + r0, y.token_stride);
      }
    }
  }
}

// The MulFn of a family.
template <class F>
void mul(const WeightRows& w, const ActRows& x, const OutRows& y, uint8_t* scratch) {
  static_assert(kDirectMaxTokens == 3, "the token dispatch below covers 1..3");
  switch (x.n_tokens) {
    case 0: return;
    case 1: direct_rows<F, 1>(w, x, y); return;
    case 2: direct_rows<F, 2>(w, x, y); return;
    case 3: direct_rows<F, 3>(w, x, y); return;
    default: gemm_rows<F>(w, x, y, scratch); return;
  }
}

template <class F>
constexpr TypeKernels type_kernels() {
  return TypeKernels{&mul<F>, &gemm_scratch_bytes<F>};
}

}  // namespace
}  // namespace hearth::kernels::avx2

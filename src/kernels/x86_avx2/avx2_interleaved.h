// kernels/x86_avx2: the loop nest of the kernels for interleaved weights (WeightLayout::
// kInterleaved8, kernels/interleave.h), shared by every type that has that layout.
//
// A group of 8 rows is one contiguous run of blocks; each block of the group yields, for each
// token, a vector of 8 partial sums (lane r = row r) added to that token's accumulator. The
// codes of a block are decoded once for a tile of up to kX8TokenTile tokens. Every token's
// result is computed by the same arithmetic in the same order whatever the number of tokens
// in the call or its tile: a sequence gets the same logits alone or in a batch.
//
// A family F provides:
//   kBlockElems, kBlockBytes    elements and bytes of one plain block (of one row)
//   block<RN>(wb, x, b, acc)    wb: block b of a group (8 * kBlockBytes interleaved bytes);
//                               x: RN activation rows; acc[t] += the 8 rows' dots over block b
#pragma once

#include <cstdint>
#include <immintrin.h>

#include "kernels/interleave.h"
#include "kernels/kernel_table.h"

namespace hearth::kernels::avx2 {
namespace {

// Tokens whose products share one decoding of the weights.
constexpr int kX8TokenTile = 4;
// Groups whose weights stay in L2 while the token tiles pass (prompts and batches).
constexpr int64_t kX8GroupsPerBlock = 4;
// Group blocks ahead that the first token tile asks for (the hardware prefetcher alone left the
// Q6_K head at 7 GB/s on one thread; 2 ahead measured best on the 1B shape, against 1, 3, 4, 6).
constexpr int64_t kX8PrefetchBlocks = 2;

// prefetch: ask for the weights ahead (the first token tile, which reads them from memory).
template <class F, int RN>
void x8_group(const uint8_t* group, int64_t n_blocks, const uint8_t* x0, int64_t x_stride, float* y,
              int64_t y_stride, bool prefetch) {
  const uint8_t* xt[RN];
  for (int t = 0; t < RN; ++t) xt[t] = x0 + t * x_stride;
  __m256 acc[RN];
  for (int t = 0; t < RN; ++t) acc[t] = _mm256_setzero_ps();
  constexpr int64_t kGroupBlockBytes = kInterleaveRows * F::kBlockBytes;
  for (int64_t b = 0; b < n_blocks; ++b) {
    if (prefetch) {
      const uint8_t* ahead = group + (b + kX8PrefetchBlocks) * kGroupBlockBytes;
      for (int64_t i = 0; i < kGroupBlockBytes; i += 64) _mm_prefetch(reinterpret_cast<const char*>(ahead + i), _MM_HINT_T0);
    }
    F::template block<RN>(group + b * kGroupBlockBytes, xt, b, acc);
  }
  for (int t = 0; t < RN; ++t) _mm256_storeu_ps(y + t * y_stride, acc[t]);
}

// x8_group with the largest token count N <= n_tok.
template <class F, int N>
void x8_group_upto(const uint8_t* group, int64_t n_blocks, const uint8_t* x0, int64_t x_stride,
                   int64_t n_tok, float* y, int64_t y_stride, bool prefetch) {
  if constexpr (N > 1) {
    if (n_tok < N) return x8_group_upto<F, N - 1>(group, n_blocks, x0, x_stride, n_tok, y, y_stride, prefetch);
  }
  x8_group<F, N>(group, n_blocks, x0, x_stride, y, y_stride, prefetch);
}

template <class F>
void mul_x8(const WeightRows& w, const ActRows& x, const OutRows& y, uint8_t* /*scratch*/) {
  const int64_t n_blocks = w.cols / F::kBlockElems;
  const int64_t group_bytes = kInterleaveRows * w.row_bytes;
  const int64_t n_groups = w.n_rows / kInterleaveRows;
  for (int64_t g0 = 0; g0 < n_groups; g0 += kX8GroupsPerBlock) {
    const int64_t g1 = g0 + kX8GroupsPerBlock < n_groups ? g0 + kX8GroupsPerBlock : n_groups;
    for (int64_t t0 = 0; t0 < x.n_tokens; t0 += kX8TokenTile) {
      const int64_t nt = x.n_tokens - t0 < kX8TokenTile ? x.n_tokens - t0 : kX8TokenTile;
      for (int64_t g = g0; g < g1; ++g)
        x8_group_upto<F, kX8TokenTile>(w.data + g * group_bytes, n_blocks, x.data + t0 * x.row_bytes,
                                       x.row_bytes, nt, y.data + t0 * y.token_stride + g * kInterleaveRows,
                                       y.token_stride, t0 == 0);
    }
  }
}

inline int64_t x8_scratch_bytes(int64_t /*cols*/) { return 0; }

template <class F>
constexpr TypeKernels x8_kernels() {
  return TypeKernels{&mul_x8<F>, &x8_scratch_bytes};
}

// An empty asm that "changes" v: the compiler can no longer see through it. GCC otherwise
// reassociates a token's sum of products into a wide tree and, for several tokens, keeps all
// the products live at once (spilling most of them); after each step the partial sums are fixed.
template <class V>
inline void opaque(V& v) {
  asm("" : "+x"(v));
}

// The 8 f16 values at p (one per row) as f32.
inline __m256 load_f16x8(const uint8_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
// 4 activation bytes at p, in every 32-bit lane.
inline __m256i broadcast4(const int8_t* p) {
  int32_t v;
  __builtin_memcpy(&v, p, sizeof v);
  return _mm256_set1_epi32(v);
}

}  // namespace
}  // namespace hearth::kernels::avx2

// model: scaled dot-product attention of a batch of queries over a layer's KV cache
// (grouped-query heads, causal or not, optional sliding window).
//
// Two orders of arithmetic, as llama.cpp's CPU flash attention has them, so that logits track
// the reference: "row-wise" rounds the query to f16 and keeps the running weighted sum of values
// in f16 (llama.cpp decoding and batches under kAttentionBatchRows queries); "tiled" keeps f32
// queries and an f32 accumulator over 64-key tiles (llama.cpp's larger batches). Each query's
// result depends only on the query and the cache, never on the rest of its batch.
#pragma once

#include <cstdint>
#include <span>

#include "model/kv_cache.h"

namespace hearth {

class ThreadPool;

inline constexpr int32_t kAttentionBatchRows = 64;

struct AttentionShape {
  int32_t n_head = 0, n_head_kv = 0, head_dim_k = 0, head_dim_v = 0;
  float scale = 1.0f;
  bool causal = true;
  int32_t window = 0;  // causal only: a query at p sees keys at p-window+1..p; 0: all of them
  // Batches of at least kAttentionBatchRows queries use the tiled order (else row-wise).
  bool tiled_batches = false;
};

// Floats of scratch one worker needs.
int64_t attention_scratch_floats(const AttentionShape& s);

// q: n_tokens rows of n_head*head_dim_k for positions pos0..; keys and values of positions
// [0, n_kv) are read from `layer` of the cache. out: n_tokens rows of n_head*head_dim_v.
// pool (may be null) splits the work when there is enough of it; scratch holds
// attention_scratch_floats(s) floats per pool thread (one without a pool).
void attend(const AttentionShape& s, const float* q, int32_t n_tokens, int32_t pos0,
            const KvCache& kv, int32_t layer, int32_t n_kv, float* out, std::span<float> scratch,
            ThreadPool* pool);

}  // namespace hearth

// model: attention over the KV cache (see attention.h for the two orders of arithmetic).
#include "model/attention.h"

#include <algorithm>
#include <cmath>

#include "base/thread_pool.h"
#include "tensor/fp16.h"

namespace hearth {
namespace {

constexpr int32_t kKeyTile = 64;

inline float round_f16(float x) { return fp16_to_f32(f32_to_fp16(x)); }

float dot_f16_row(const float* q, const uint16_t* k, int32_t n) {
  float sum = 0.0f;
  for (int32_t d = 0; d < n; ++d) sum += q[d] * fp16_to_f32(k[d]);
  return sum;
}

// The keys a query at `pos` sees: [lo, hi).
void visible_range(const AttentionShape& s, int32_t pos, int32_t n_kv, int32_t& lo, int32_t& hi) {
  lo = 0;
  hi = n_kv;
  if (s.causal) {
    hi = std::min(n_kv, pos + 1);
    if (s.window > 0) lo = std::max(0, pos - s.window + 1);
  }
}

// Batches: f32 query, keys in 64-wide tiles with a running maximum, f32 accumulator.
void attend_tiled(const AttentionShape& s, const float* qh, int32_t lo, int32_t hi,
                  const KvCache& kv, int32_t layer, int32_t kv_head, float* out, float* scratch) {
  float* scores = scratch;
  float* acc = scratch + kKeyTile;
  std::fill(acc, acc + s.head_dim_v, 0.0f);
  float max = -INFINITY, sum = 0.0f;
  for (int32_t tile = lo / kKeyTile * kKeyTile; tile < hi; tile += kKeyTile) {
    const int32_t j0 = std::max(lo, tile), j1 = std::min(hi, tile + kKeyTile);
    float tile_max = -INFINITY;
    for (int32_t j = j0; j < j1; ++j) {
      const uint16_t* kj = kv.k(layer, j) + static_cast<size_t>(kv_head) * s.head_dim_k;
      scores[j - j0] = dot_f16_row(qh, kj, s.head_dim_k) * s.scale;
      tile_max = std::max(tile_max, scores[j - j0]);
    }
    const float new_max = std::max(max, tile_max);
    if (new_max > max) {
      const float rescale = std::exp(max - new_max);
      for (int32_t d = 0; d < s.head_dim_v; ++d) acc[d] *= rescale;
      sum *= rescale;
    }
    max = new_max;
    double tile_sum = 0.0;
    for (int32_t j = j0; j < j1; ++j) {
      const float p = std::exp(scores[j - j0] - max);
      tile_sum += p;
      const uint16_t* vj = kv.v(layer, j) + static_cast<size_t>(kv_head) * s.head_dim_v;
      for (int32_t d = 0; d < s.head_dim_v; ++d) acc[d] += p * fp16_to_f32(vj[d]);
    }
    sum += static_cast<float>(tile_sum);
  }
  const float inv = sum == 0.0f ? 0.0f : 1.0f / sum;
  for (int32_t d = 0; d < s.head_dim_v; ++d) out[d] = acc[d] * inv;
}

// Small batches: f16 query, keys one at a time with a running maximum, f16 accumulator.
void attend_rowwise(const AttentionShape& s, const float* qh, int32_t lo, int32_t hi,
                    const KvCache& kv, int32_t layer, int32_t kv_head, float* out,
                    float* scratch) {
  float* q16 = scratch;
  float* acc = scratch + s.head_dim_k;  // holds f16 values
  for (int32_t d = 0; d < s.head_dim_k; ++d) q16[d] = round_f16(qh[d]);
  std::fill(acc, acc + s.head_dim_v, 0.0f);
  float max = -INFINITY, sum = 0.0f;
  for (int32_t j = lo; j < hi; ++j) {
    const uint16_t* kj = kv.k(layer, j) + static_cast<size_t>(kv_head) * s.head_dim_k;
    const float score = dot_f16_row(q16, kj, s.head_dim_k) * s.scale;
    float rescale = 1.0f, weight = 1.0f;
    if (score > max) {
      rescale = std::exp(max - score);
      max = score;
      for (int32_t d = 0; d < s.head_dim_v; ++d) acc[d] = round_f16(acc[d] * rescale);
    } else {
      weight = std::exp(score - max);
    }
    const uint16_t* vj = kv.v(layer, j) + static_cast<size_t>(kv_head) * s.head_dim_v;
    for (int32_t d = 0; d < s.head_dim_v; ++d) {
      acc[d] = round_f16(std::fma(fp16_to_f32(vj[d]), weight, acc[d]));
    }
    sum = sum * rescale + weight;
  }
  const float inv = sum == 0.0f ? 0.0f : 1.0f / sum;
  for (int32_t d = 0; d < s.head_dim_v; ++d) out[d] = acc[d] * inv;
}

}  // namespace

int64_t attention_scratch_floats(const AttentionShape& s) {
  return kKeyTile + s.head_dim_k + s.head_dim_v;
}

void attend(const AttentionShape& s, const float* q, int32_t n_tokens, int32_t pos0,
            const KvCache& kv, int32_t layer, int32_t n_kv, float* out, std::span<float> scratch,
            ThreadPool* pool) {
  const int32_t group = s.n_head / s.n_head_kv;
  const int64_t q_width = static_cast<int64_t>(s.n_head) * s.head_dim_k;
  const int64_t o_width = static_cast<int64_t>(s.n_head) * s.head_dim_v;
  const int64_t n_items = static_cast<int64_t>(n_tokens) * s.n_head;
  const bool tiled = s.tiled_batches && n_tokens >= kAttentionBatchRows;
  const int64_t per_worker = attention_scratch_floats(s);
  // (token, head) pairs from `begin` to `end`, with one worker's scratch.
  auto run = [&](int64_t begin, int64_t end, int64_t worker) {
    float* sc = scratch.data() + worker * per_worker;
    for (int64_t item = begin; item < end; ++item) {
      const int32_t t = static_cast<int32_t>(item / s.n_head);
      const int32_t h = static_cast<int32_t>(item % s.n_head);
      const float* qh = q + t * q_width + static_cast<int64_t>(h) * s.head_dim_k;
      float* oh = out + t * o_width + static_cast<int64_t>(h) * s.head_dim_v;
      int32_t lo = 0, hi = 0;
      visible_range(s, pos0 + t, n_kv, lo, hi);
      if (tiled) {
        attend_tiled(s, qh, lo, hi, kv, layer, h / group, oh, sc);
      } else {
        attend_rowwise(s, qh, lo, hi, kv, layer, h / group, oh, sc);
      }
    }
  };
  // Splitting pays off only with real work (waking workers costs microseconds).
  const int64_t work = n_items * n_kv * (s.head_dim_k + s.head_dim_v);
  const int64_t workers = pool ? std::min<int64_t>(pool->num_threads(), n_items) : 1;
  if (workers <= 1 || work < (1 << 18)) {
    run(0, n_items, 0);
    return;
  }
  const int64_t chunk = (n_items + workers - 1) / workers;
  pool->parallel_for(workers, [&](int64_t w) {
    run(std::min(n_items, w * chunk), std::min(n_items, (w + 1) * chunk), w);
  });
}

}  // namespace hearth

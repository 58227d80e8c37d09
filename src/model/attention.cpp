// model: attention over the KV cache (see attention.h for the two orders of arithmetic).
//
// Work is split into items of (kv head, some of its query heads, a chunk of query tokens).
// An item walks the keys its queries see in tiles of kKeyTile: it converts the tile's keys
// and values to f32 once, computes the scores of all its query rows against the tile as one
// small matrix product, then runs each row's online softmax over the tile in key order. So a
// converted tile serves every query head of a GQA group and every token of the chunk, while
// each query row still sees exactly the sequence of operations attention.h describes.
#include "model/attention.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>

#include "base/thread_pool.h"
#include "model/attention_scalar.h"
#include "tensor/fp16.h"

namespace hearth {
namespace {

constexpr int32_t kKeyTile = static_cast<int32_t>(kernels::kAttentionKeyTile);
// Query rows (heads x tokens) one item attends together: enough to amortise converting a
// tile, few enough that the item's scratch stays in L2.
constexpr int32_t kMaxRows = 64;

inline float round_f16(float x) { return fp16_to_f32(f32_to_fp16(x)); }

// The keys a query at `pos` sees: [lo, hi).
void visible_range(const AttentionShape& s, int32_t pos, int32_t n_kv, int32_t& lo, int32_t& hi) {
  lo = 0;
  hi = n_kv;
  if (s.causal) {
    hi = std::min(n_kv, pos + 1);
    if (s.window > 0) lo = std::max(0, pos - s.window + 1);
  }
}

// One worker's scratch.
struct Scratch {
  float* kt;       // head_dim_k x kKeyTile: the tile's keys, transposed
  float* v;        // kKeyTile x head_dim_v: the tile's values
  float* q;        // kMaxRows x head_dim_k: the item's queries (rounded to f16 when row-wise)
  float* scores;   // kMaxRows x kKeyTile
  float* acc;      // kMaxRows x head_dim_v: running weighted sums of values
  float* max;      // kMaxRows: running maximum score
  float* sum;      // kMaxRows: running sum of weights
  float* weight;   // kKeyTile: one row's weights over the tile
  float* rescale;  // kKeyTile: one row's accumulator rescales over the tile (row-wise)
};

Scratch carve_scratch(const AttentionShape& s, float* p) {
  Scratch sc;
  const int64_t dk = s.head_dim_k, dv = s.head_dim_v;
  sc.kt = p;
  sc.v = sc.kt + dk * kKeyTile;
  sc.q = sc.v + kKeyTile * dv;
  sc.scores = sc.q + kMaxRows * dk;
  sc.acc = sc.scores + kMaxRows * kKeyTile;
  sc.max = sc.acc + kMaxRows * dv;
  sc.sum = sc.max + kMaxRows;
  sc.weight = sc.sum + kMaxRows;
  sc.rescale = sc.weight + kKeyTile;
  return sc;
}

// How attend() splits its work: items of (kv head, `heads` query heads of its group, `chunk`
// tokens), numbered with the last chunks first (under a causal mask they see the most keys,
// so starting them first balances the workers).
struct Plan {
  int32_t group = 1;       // query heads per kv head
  int32_t heads = 1;       // query heads per item
  int32_t head_parts = 1;  // items per group and chunk
  int32_t chunk = 1;       // tokens per item
  int32_t n_chunks = 1;
  int32_t n_head_kv = 1;
  int64_t n_items() const { return static_cast<int64_t>(n_head_kv) * head_parts * n_chunks; }
};

Plan make_plan(const AttentionShape& s, int32_t n_tokens, int64_t n_threads) {
  Plan p;
  p.n_head_kv = s.n_head_kv;
  p.group = s.n_head / s.n_head_kv;
  p.heads = std::min(p.group, kMaxRows);
  p.chunk = std::min(n_tokens, std::max(1, kMaxRows / p.heads));
  p.n_chunks = (n_tokens + p.chunk - 1) / p.chunk;
  p.head_parts = (p.group + p.heads - 1) / p.heads;
  // Few kv heads and few tokens (decoding with MQA): split the group so every thread works.
  while (p.heads > 1 && p.n_items() < 2 * n_threads) {
    p.heads = (p.heads + 1) / 2;
    p.head_parts = (p.group + p.heads - 1) / p.heads;
  }
  return p;
}

struct Job {
  const AttentionShape& s;
  const kernels::AttentionKernels& k;
  const Plan& plan;
  const float* q;
  int32_t n_tokens, pos0;
  const KvCache& kv;
  int32_t layer, n_kv;
  float* out;
  bool tiled;
};

// Row-wise order for one row over keys [j0, j1) of the tile: a running maximum key by key,
// weights exp(score - max), the f16 accumulator rescaled whenever the maximum grows.
void rowwise_step(const Job& job, const Scratch& sc, int32_t r, int32_t j0, int32_t j1) {
  const float* scores = sc.scores + static_cast<int64_t>(r) * kKeyTile;
  float max = sc.max[r], sum = sc.sum[r];
  for (int32_t j = j0; j < j1; ++j) {
    const float score = scores[j];
    if (score > max) {
      sc.rescale[j] = std::exp(max - score);
      sc.weight[j] = 1.0f;
      max = score;
    } else {
      sc.rescale[j] = 1.0f;
      sc.weight[j] = std::exp(score - max);
    }
    sum = sum * sc.rescale[j] + sc.weight[j];
  }
  sc.max[r] = max;
  sc.sum[r] = sum;
  const int64_t dv = job.s.head_dim_v;
  job.k.accumulate_f16(sc.acc + r * dv, sc.v + j0 * dv, dv, sc.weight + j0, sc.rescale + j0,
                       j1 - j0);
}

// Tiled order for one row over keys [j0, j1): the tile's maximum first, one rescale of the
// f32 accumulator, then weights exp(score - max) summed in double.
void tiled_step(const Job& job, const Scratch& sc, int32_t r, int32_t j0, int32_t j1) {
  const float* scores = sc.scores + static_cast<int64_t>(r) * kKeyTile;
  const int64_t dv = job.s.head_dim_v;
  float* acc = sc.acc + r * dv;
  float tile_max = -INFINITY;
  for (int32_t j = j0; j < j1; ++j) tile_max = std::max(tile_max, scores[j]);
  float max = sc.max[r], sum = sc.sum[r];
  const float new_max = std::max(max, tile_max);
  if (new_max > max) {
    const float rescale = std::exp(max - new_max);
    for (int64_t d = 0; d < dv; ++d) acc[d] *= rescale;
    sum *= rescale;
  }
  max = new_max;
  double tile_sum = 0.0;
  for (int32_t j = j0; j < j1; ++j) {
    sc.weight[j] = std::exp(scores[j] - max);
    tile_sum += sc.weight[j];
  }
  job.k.accumulate_f32(acc, sc.v + j0 * dv, dv, sc.weight + j0, j1 - j0);
  sc.max[r] = max;
  sc.sum[r] = sum + static_cast<float>(tile_sum);
}

void run_item(const Job& job, int64_t item, const Scratch& sc) {
  const AttentionShape& s = job.s;
  const Plan& p = job.plan;
  const int64_t per_chunk = static_cast<int64_t>(p.n_head_kv) * p.head_parts;
  const int32_t chunk = p.n_chunks - 1 - static_cast<int32_t>(item / per_chunk);
  const int32_t kv_head = static_cast<int32_t>(item % per_chunk / p.head_parts);
  const int32_t part = static_cast<int32_t>(item % p.head_parts);
  const int32_t t0 = chunk * p.chunk, nt = std::min(p.chunk, job.n_tokens - t0);
  const int32_t h0 = kv_head * p.group + part * p.heads;
  const int32_t nh = std::min(p.heads, (kv_head + 1) * p.group - h0);
  const int32_t n_rows = nh * nt;  // row r = t * nh + h
  const int64_t dk = s.head_dim_k, dv = s.head_dim_v;
  const int64_t q_width = static_cast<int64_t>(s.n_head) * dk;
  const int64_t o_width = static_cast<int64_t>(s.n_head) * dv;

  std::array<int32_t, kMaxRows> lo{}, hi{};
  int32_t lo_all = job.n_kv, hi_all = 0;
  for (int32_t t = 0; t < nt; ++t) {
    visible_range(s, job.pos0 + t0 + t, job.n_kv, lo[t], hi[t]);
    if (lo[t] < hi[t]) {
      lo_all = std::min(lo_all, lo[t]);
      hi_all = std::max(hi_all, hi[t]);
    }
    for (int32_t h = 0; h < nh; ++h) {
      const float* src = job.q + (t0 + t) * q_width + (h0 + h) * dk;
      float* dst = sc.q + (t * nh + h) * dk;
      for (int64_t d = 0; d < dk; ++d) dst[d] = job.tiled ? src[d] : round_f16(src[d]);
    }
  }
  std::fill(sc.acc, sc.acc + n_rows * dv, 0.0f);
  std::fill(sc.max, sc.max + n_rows, -INFINITY);
  std::fill(sc.sum, sc.sum + n_rows, 0.0f);

  std::array<const uint16_t*, kKeyTile> k_rows{}, v_rows{};
  for (int32_t tile = lo_all / kKeyTile * kKeyTile; tile < hi_all; tile += kKeyTile) {
    const int32_t n_keys = std::min(kKeyTile, hi_all - tile);
    for (int32_t j = 0; j < n_keys; ++j) {
      k_rows[j] = job.kv.k(job.layer, tile + j) + kv_head * dk;
      v_rows[j] = job.kv.v(job.layer, tile + j) + kv_head * dv;
    }
    job.k.load_keys(k_rows.data(), n_keys, dk, sc.kt);
    job.k.load_values(v_rows.data(), n_keys, dv, sc.v);
    job.k.scores(sc.q, n_rows, dk, sc.kt, s.scale, sc.scores);
    for (int32_t t = 0; t < nt; ++t) {
      const int32_t j0 = std::max(lo[t], tile) - tile;
      const int32_t j1 = std::min(hi[t], tile + n_keys) - tile;
      if (j0 >= j1) continue;
      for (int32_t h = 0; h < nh; ++h) {
        if (job.tiled) {
          tiled_step(job, sc, t * nh + h, j0, j1);
        } else {
          rowwise_step(job, sc, t * nh + h, j0, j1);
        }
      }
    }
  }

  for (int32_t t = 0; t < nt; ++t) {
    for (int32_t h = 0; h < nh; ++h) {
      const int32_t r = t * nh + h;
      const float inv = sc.sum[r] == 0.0f ? 0.0f : 1.0f / sc.sum[r];
      const float* acc = sc.acc + r * dv;
      float* dst = job.out + (t0 + t) * o_width + (h0 + h) * dv;
      for (int64_t d = 0; d < dv; ++d) dst[d] = acc[d] * inv;
    }
  }
}

}  // namespace

int64_t attention_scratch_floats(const AttentionShape& s) {
  const int64_t dk = s.head_dim_k, dv = s.head_dim_v;
  return dk * kKeyTile + kKeyTile * dv + kMaxRows * (dk + kKeyTile + dv + 2) + 2 * kKeyTile;
}

void attend(const AttentionShape& s, const float* q, int32_t n_tokens, int32_t pos0,
            const KvCache& kv, int32_t layer, int32_t n_kv, float* out, std::span<float> scratch,
            ThreadPool* pool) {
  if (n_tokens <= 0 || s.n_head_kv <= 0 || s.n_head < s.n_head_kv) return;
  const int64_t per_worker = attention_scratch_floats(s);
  // The scratch holds at least one worker's share (attention.h); more only with a pool.
  const int64_t max_workers = std::max<int64_t>(
      1, std::min<int64_t>(pool ? pool->num_threads() : 1,
                           static_cast<int64_t>(scratch.size()) / per_worker));
  const Plan plan = make_plan(s, n_tokens, max_workers);
  const kernels::AttentionKernels k = attention_scalar::active_attention_kernels();
  const bool tiled = s.tiled_batches && n_tokens >= kAttentionBatchRows;
  const Job job{s, k, plan, q, n_tokens, pos0, kv, layer, n_kv, out, tiled};
  const int64_t n_items = plan.n_items();
  // Splitting pays off only with real work (waking workers costs microseconds).
  const int64_t work = static_cast<int64_t>(n_tokens) * s.n_head * n_kv *
                       (s.head_dim_k + s.head_dim_v);
  const int64_t workers = std::min(max_workers, n_items);
  if (workers <= 1 || work < (1 << 16)) {
    const Scratch sc = carve_scratch(s, scratch.data());
    for (int64_t item = 0; item < n_items; ++item) run_item(job, item, sc);
    return;
  }
  // Items differ in cost (causal masks, windows): workers take them one at a time.
  std::atomic<int64_t> next_item{0};
  pool->parallel_for(workers, [&](int64_t w) {
    const Scratch sc = carve_scratch(s, scratch.data() + w * per_worker);
    for (int64_t item = next_item.fetch_add(1); item < n_items; item = next_item.fetch_add(1)) {
      run_item(job, item, sc);
    }
  });
}

}  // namespace hearth

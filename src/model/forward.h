// model: the generic forward pass, one code path for every architecture: the config's enums and
// which tensors the layer has decide each step.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "model/attention.h"
#include "model/kv_cache.h"
#include "model/model_config.h"
#include "model/moe.h"
#include "model/weights.h"
#include "tokenizer/tokenizer.h"

namespace hearth {

// One sequence's share of a batched forward pass: `tokens` at positions pos0.. of the sequence
// whose cache is `kv`; they attend over its positions [0, pos0 + tokens.size()) and their keys
// and values are appended to it.
struct SeqChunk {
  KvCache* kv = nullptr;
  std::span<const TokenId> tokens;
  int32_t pos0 = 0;
  // The attention order of Context::set_reference_batching, for this sequence's rows.
  bool tiled_batches = false;
};

class Forward {
 public:
  // Allocates the KV cache (n_ctx positions) and scratch for batches of up to max_batch tokens.
  // With a pool, the cache's blocks come from it (shared with other sequences) instead.
  Forward(const ModelConfig& config, const ModelWeights& weights, int32_t n_ctx, int32_t max_batch,
          std::shared_ptr<KvBlockPool> pool = nullptr);

  // Runs `tokens` at positions pos0.. through every layer, storing their keys and values in the
  // cache; hidden() then holds their final states (after the output norm, if the model has one).
  // Attention sees cache positions [0, pos0 + tokens.size()).
  Status run(std::span<const TokenId> tokens, int32_t pos0);
  // Runs several sequences as one batch (their rows one after another, at most max_batch() in
  // all): every weight is read once for all of them. Embedding, rope, the cache and attention
  // are per sequence; norms, projections and the FFN are per row, so each row's result is what
  // running its sequence alone gives (where the kernels are batch-invariant). hidden(r) then
  // holds row r; the rows of chunk i follow those of chunks 0..i-1. Every cache is prepared
  // (KvCache::prepare) before any keys or values are stored.
  Status run_batch(std::span<const SeqChunk> seqs);

  const float* hidden(int32_t row) const { return x_.data() + static_cast<size_t>(row) * n_embd_; }
  // Logits of n rows of hidden() starting at row0, into out[n][n_vocab].
  void logits(int32_t row0, int32_t n, float* out);
  // Logits of the hidden() rows listed (any order), into out[rows.size()][n_vocab]: one product
  // with the output matrix for all of them.
  void logits_of_rows(std::span<const int32_t> rows, float* out);

  int32_t max_batch() const { return max_batch_; }
  // See Context::set_reference_batching.
  void set_tiled_batches(bool on) { tiled_batches_ = on; }
  bool tiled_batches() const { return tiled_batches_; }
  int32_t n_ctx() const { return kv_.n_ctx(); }
  KvCache& kv_cache() { return kv_; }
  const KvCache& kv_cache() const { return kv_; }

 private:
  // Embeds chunk tokens into rows row0...
  void ensure_scratch();
  Status embed_inputs(std::span<const TokenId> tokens, int32_t pos0, int32_t row0);
  void attention_block(int32_t il, int32_t n, std::span<const SeqChunk> seqs);
  void ffn_block(int32_t il, int32_t n);
  void dense_ffn(const LayerWeights& L, const float* in, int32_t n);
  void head_norm(float* rows, int32_t n, int32_t n_heads, const Weight& w);
  // Rotates rows row0.. of q_ and k_, n tokens at positions pos0...
  void apply_rope(int32_t il, int32_t row0, int32_t n, int32_t pos0);
  AttentionShape attention_shape(int32_t il, bool tiled_batches) const;
  // x = x + norm(branch) (pre-norm; the branch norm is optional), or x = norm(x + branch).
  void add_residual(int32_t n, const Weight& branch_norm, const Weight& post_norm,
                    const Weight& post_norm_b);
  // y = x W (+ b) for n rows, x rounded first as the reference rounds it for W's type.
  void project(const Weight& w, const Weight& b, const float* x, int32_t n, float* y);
  static void add_bias(const Weight& b, int32_t n, int64_t width, float* y);  // if present

  const ModelConfig& c_;
  const ModelWeights& w_;
  int32_t max_batch_ = 0;
  int64_t n_embd_ = 0;
  int n_threads_ = 1;
  std::shared_ptr<ThreadPool> pool_;  // the kernels' pool; splits attention over heads
  bool tiled_batches_ = false;
  KvCache kv_;
  MoeScratch moe_;
  // Activations of one batch, [max_batch][width] each.
  std::vector<float> x_;       // the residual stream
  std::vector<float> xn_;      // normalised input of a branch
  std::vector<float> q_, k_, v_, attn_;
  std::vector<float> branch_;  // a branch's output before the residual add
  std::vector<float> gate_, up_;
  std::vector<float> row_;     // one embedding row
  std::vector<float> rounded_; // activations rounded for a product (reference_rounding.h)
  std::vector<float> scores_;  // attention scratch, per thread
  std::vector<float> cos_, sin_;
};

}  // namespace hearth

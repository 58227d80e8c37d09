// model: a loaded GGUF model (config + weights + tokenizer) and an inference context over it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_file.h"
#include "model/model_config.h"
#include "tokenizer/tokenizer.h"

namespace hearth {

struct ModelWeights;  // defined in model/weights.h
class RepackedWeights;  // model/weight_repack.h
class KvBlockPool;    // model/kv_block_pool.h
class KvCache;        // model/kv_cache.h

class Model {
 public:
  // Maps the file, reads the config, binds every tensor of the architecture's table (shape and
  // type checked), repacks the matrices the selected kernels read interleaved (unless
  // HEARTH_REPACK=0; model/weight_repack.h) and builds the tokenizer. Errors name the file,
  // tensor or key.
  static Result<std::unique_ptr<Model>> load(const std::string& path);
  ~Model();

  const ModelConfig& config() const { return config_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  const gguf::GgufFile& file() const { return *file_; }
  const ModelWeights& weights() const { return *weights_; }

 private:
  Model() = default;
  std::unique_ptr<gguf::GgufFile> file_;
  ModelConfig config_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<ModelWeights> weights_;
  std::unique_ptr<RepackedWeights> repacked_;  // where repacked weights point
};

class Context;

// One sequence's part of Context::eval_batch.
struct ContextBatch {
  Context* ctx = nullptr;
  std::span<const TokenId> tokens;
  bool all_logits = false;
  Status status;  // out: what ctx->eval(tokens, all_logits) would have returned
};

// One sequence's state: KV cache (f16) and scratch. Decoding is incremental and exact:
// evaluating tokens in several calls gives the same logits as one call (unless
// set_reference_batching(true), see there).
class Context {
 public:
  Context(const Model& model, int32_t n_ctx);  // n_ctx <= 0: the model's context length
  // The KV cache takes its blocks from `pool` (made for this model), shared with other
  // contexts: see reuse_prefix and publish_prefix. Results are the same as with a private cache.
  Context(const Model& model, int32_t n_ctx, std::shared_ptr<KvBlockPool> pool);
  ~Context();

  // Runs `tokens` at positions n_past().. and appends them to the KV cache. With all_logits the
  // logits of every token are kept, else only the last one's. Errors on context overflow.
  Status eval(std::span<const TokenId> tokens, bool all_logits = false);
  // Logits of the i-th token of the last eval (i < its token count when all_logits, else only
  // the last token, i = -1 or count-1).
  std::span<const float> logits(int32_t i = -1) const;

  // eval for several contexts of one model at once: their tokens go through the layers as one
  // batch (each weight read once per pass instead of once per context), in passes of up to
  // the batch size of the first context that can run, whose scratch serves them all. Each
  // context ends as its own eval would leave it, with the same logits where the kernels are
  // batch-invariant (ref and avx2 are; with reference batching on, a sequence split
  // differently across passes rounds differently). A context's failure (overflow, bad token,
  // no KV block left) is its item's status and does not stop the others. Errors only for
  // misuse: a context twice, none, or contexts of different models.
  static Status eval_batch(std::span<ContextBatch> batch);

  // Encoder models (bert): pooled, L2-normalised embedding of `tokens` (does not use the cache).
  Result<std::vector<float>> embed(std::span<const TokenId> tokens);

  // true: batches of 64 tokens or more attend in the f32 order llama.cpp uses for such batches,
  // so prompt logits track the reference closest (golden checks); a prompt split into calls
  // of under 64 tokens then rounds slightly differently. false (default): one order for every
  // token, so split evaluation is bit-exact.
  void set_reference_batching(bool on);

  int32_t n_past() const { return n_past_; }
  int32_t n_ctx() const { return n_ctx_; }
  void reset() { truncate(0); }
  // Keeps the first n_keep tokens (clamped to [0, n_past]) and drops the rest from the cache
  // (their blocks go back to the pool), so a shared prefix is not evaluated again.
  void truncate(int32_t n_keep);

  // Starts over at the longest prefix of `tokens` whose KV blocks the pool has cached (whole
  // blocks, at most max_tokens): n_past() becomes that length, which is returned. A private
  // pool caches nothing, so this is reset() there.
  int32_t reuse_prefix(std::span<const TokenId> tokens, int32_t max_tokens);
  // Offers the full blocks of this sequence to later contexts on the same pool; `tokens` are
  // the tokens at positions [0, n_past()).
  void publish_prefix(std::span<const TokenId> tokens);
  const KvCache& kv_cache() const;

 private:
  // Checks eval's arguments and sizes the logits; nothing runs yet.
  Status begin_eval(std::span<const TokenId> tokens, bool all_logits);

  const Model& model_;
  int32_t n_ctx_;
  int32_t n_past_ = 0;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace hearth

// engine: one sequence slot: a model Context (its KV cache) and the request it is serving,
// advanced a chunk at a time by the engine thread. Only the engine thread touches a Slot.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/metrics.h"
#include "engine/request.h"
#include "engine/request_handle.h"
#include "engine/scheduler.h"
#include "engine/stop_matcher.h"
#include "model/kv_block_pool.h"
#include "model/model.h"
#include "sampling/sampler.h"
#include "tokenizer/tokenizer.h"

namespace hearth::engine {

using Clock = std::chrono::steady_clock;

// A request accepted by Engine::submit, waiting for a slot.
struct PendingRequest {
  Request request;
  std::shared_ptr<RequestHandle> handle;
  Clock::time_point submitted;
};

class Slot {
 public:
  // pool: the model's shared KV block pool (null: a private cache, e.g. for encoders).
  Slot(const Model& model, int32_t n_ctx, int index, std::shared_ptr<KvBlockPool> pool);

  int index() const { return index_; }
  bool busy() const { return handle_ != nullptr; }
  bool cancel_requested() const { return handle_ && handle_->cancelled(); }
  // The tokens whose keys and values the slot's cache holds (empty when idle: a finished
  // sequence returns its blocks to the pool, where full ones stay cached for reuse).
  std::span<const TokenId> cached_tokens() const { return cached_; }

  // Starts serving `p` (slot must be idle), mapping the longest prompt prefix the pool has
  // cached in whole blocks instead of evaluating it again.
  void assign(PendingRequest p, uint64_t admission, EngineMetrics& metrics);
  // What this slot wants from the next step (busy slots only).
  SlotDemand demand() const;
  // Does `n_tokens` of work (a prompt chunk, a decode step or one whole encoder input), pushes
  // the resulting events and releases the request when it ends.
  void run(int32_t n_tokens, EngineMetrics& metrics);

  // The same work split in two, so that the engine can evaluate several slots in one batch
  // (Context::eval_batch): stage() names the tokens to evaluate for `n_tokens` of work (slots
  // that generate(), only), then complete() takes the evaluation's outcome and does the rest
  // (sampling, events). The staged tokens stay valid until complete().
  bool generates() const { return busy() && phase_ != Phase::kEmbed; }
  std::span<const TokenId> stage(int32_t n_tokens);
  void complete(const Status& evaluated, EngineMetrics& metrics);
  Context& context() { return ctx_; }
  // Ends the request now with `reason` (kCancelled, kError); the slot becomes idle.
  void abort(FinishReason reason, std::string why, EngineMetrics& metrics);

 private:
  enum class Phase { kPrompt, kDecode, kEmbed };

  void complete_prompt(const Status& evaluated, EngineMetrics& metrics);
  void complete_decode(const Status& evaluated, EngineMetrics& metrics);
  void run_embed(EngineMetrics& metrics);
  // Samples from the current logits and reports the token; decides whether generation ends.
  void sample_and_emit(EngineMetrics& metrics);
  // Sends the last event (`last` carries any final text/tokens) and releases the request.
  void finish(FinishReason reason, Event last, EngineMetrics& metrics);
  // Returns every KV block to the pool; with publish, the full blocks are offered for reuse
  // first.
  void release_cache(bool publish);

  const Model& model_;
  const Tokenizer& tokenizer_;
  Context ctx_;
  std::vector<TokenId> cached_;  // the tokens at positions [0, ctx_.n_past())
  const int index_;

  // The request being served (handle_ == nullptr when idle).
  std::shared_ptr<RequestHandle> handle_;
  Request req_;
  uint64_t admission_ = 0;
  Phase phase_ = Phase::kPrompt;
  int32_t prompt_done_ = 0;      // prompt tokens in the cache
  int32_t prompt_reused_ = 0;    // of which reused from an earlier request
  TokenId next_token_ = -1;      // sampled, not yet evaluated (kDecode)
  std::span<const TokenId> staged_;  // what stage() handed out
  int32_t n_generated_ = 0;
  std::optional<sampling::Sampler> sampler_;
  std::optional<StreamingDetokenizer> detok_;
  std::optional<StopMatcher> stop_;
  size_t embed_next_ = 0;
  std::vector<std::vector<float>> embeddings_;
  Clock::time_point submitted_, admitted_at_, first_token_at_, last_token_at_;
};

}  // namespace hearth::engine

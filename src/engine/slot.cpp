// engine: Slot, one sequence's life: prompt chunks, then one sampled token per step until an
// end-of-generation token, a stop string, max_tokens or a full context.
#include "engine/slot.h"

#include <algorithm>
#include <utility>

#include "engine/logprobs.h"

namespace hearth::engine {
namespace {

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

Slot::Slot(const Model& model, int32_t n_ctx, int index, std::shared_ptr<KvBlockPool> pool)
    : model_(model),
      tokenizer_(model.tokenizer()),
      ctx_(model, n_ctx, std::move(pool)),
      index_(index) {}

void Slot::release_cache(bool publish) {
  if (publish) ctx_.publish_prefix(cached_);
  ctx_.reset();
  cached_.clear();
}

void Slot::assign(PendingRequest p, uint64_t admission, EngineMetrics& metrics) {
  handle_ = std::move(p.handle);
  req_ = std::move(p.request);
  admission_ = admission;
  submitted_ = p.submitted;
  admitted_at_ = Clock::now();
  n_generated_ = 0;
  next_token_ = -1;
  embed_next_ = 0;
  embeddings_.clear();
  metrics.slots_busy.fetch_add(1, std::memory_order_relaxed);

  if (req_.kind == Request::Kind::kEmbed) {
    phase_ = Phase::kEmbed;
    prompt_done_ = prompt_reused_ = 0;
    cached_.clear();  // embedding overwrites the cache
    return;
  }
  phase_ = Phase::kPrompt;
  // The last prompt token is always evaluated: its logits give the first sampled token.
  const int32_t n_prompt = static_cast<int32_t>(req_.prompt.size());
  prompt_reused_ = ctx_.reuse_prefix(req_.prompt, n_prompt - 1);
  cached_.assign(req_.prompt.begin(), req_.prompt.begin() + prompt_reused_);
  prompt_done_ = prompt_reused_;
  metrics.prompt_tokens_cached.fetch_add(static_cast<uint64_t>(prompt_reused_),
                                         std::memory_order_relaxed);

  sampler_.emplace(req_.params.sampling);
  sampler_->accept(req_.prompt);
  // The text continues the prompt, so a leading space is kept.
  detok_.emplace(tokenizer_, StreamingDetokenizerOptions{.render_special = false,
                                                         .strip_leading_space = false});
  stop_.emplace(req_.params.stop);
}

SlotDemand Slot::demand() const {
  SlotDemand d;
  d.slot = index_;
  d.admitted = admission_;
  switch (phase_) {
    case Phase::kDecode:
      d.decoding = true;
      break;
    case Phase::kPrompt:
      d.prompt_left = static_cast<int32_t>(req_.prompt.size()) - prompt_done_;
      break;
    case Phase::kEmbed:
      d.indivisible = true;
      d.prompt_left = embed_next_ < req_.inputs.size()
                          ? std::max<int32_t>(1, static_cast<int32_t>(req_.inputs[embed_next_].size()))
                          : 1;
      break;
  }
  return d;
}

void Slot::run(int32_t n_tokens, EngineMetrics& metrics) {
  if (!busy()) return;
  if (phase_ == Phase::kEmbed) {
    run_embed(metrics);
    return;
  }
  const std::span<const TokenId> tokens = stage(n_tokens);
  complete(ctx_.eval(tokens), metrics);
}

std::span<const TokenId> Slot::stage(int32_t n_tokens) {
  if (phase_ == Phase::kDecode) {
    staged_ = {&next_token_, 1};
  } else {
    const int32_t total = static_cast<int32_t>(req_.prompt.size());
    const int32_t n = std::clamp(n_tokens, 1, total - prompt_done_);
    staged_ = {req_.prompt.data() + prompt_done_, static_cast<size_t>(n)};
  }
  return staged_;
}

void Slot::complete(const Status& evaluated, EngineMetrics& metrics) {
  if (!busy()) return;
  if (phase_ == Phase::kDecode) {
    complete_decode(evaluated, metrics);
  } else if (phase_ == Phase::kPrompt) {
    complete_prompt(evaluated, metrics);
  }
}

void Slot::complete_prompt(const Status& evaluated, EngineMetrics& metrics) {
  if (!evaluated.is_ok()) {
    abort(FinishReason::kError, "evaluating the prompt: " + evaluated.message(), metrics);
    return;
  }
  const std::span<const TokenId> chunk = staged_;
  const int32_t n = static_cast<int32_t>(chunk.size());
  cached_.insert(cached_.end(), chunk.begin(), chunk.end());
  ctx_.publish_prefix(cached_);  // at once: concurrent requests with this prefix may reuse it
  prompt_done_ += n;
  metrics.prompt_tokens.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
  if (prompt_done_ == static_cast<int32_t>(req_.prompt.size())) sample_and_emit(metrics);
}

void Slot::complete_decode(const Status& evaluated, EngineMetrics& metrics) {
  if (!evaluated.is_ok()) {
    abort(FinishReason::kError, "evaluating a generated token: " + evaluated.message(), metrics);
    return;
  }
  cached_.push_back(next_token_);
  if (cached_.size() % kKvBlockSize == 0) ctx_.publish_prefix(cached_);
  sample_and_emit(metrics);
}

void Slot::sample_and_emit(EngineMetrics& metrics) {
  const std::span<const float> logits = ctx_.logits();
  const TokenId t = sampler_->sample(logits);
  sampler_->accept(t);
  ++n_generated_;
  metrics.generated_tokens.fetch_add(1, std::memory_order_relaxed);

  const Clock::time_point now = Clock::now();
  if (n_generated_ == 1) {
    first_token_at_ = now;
    metrics.time_to_first_token.observe(ms_between(submitted_, now) / 1000.0);
  } else {
    metrics.inter_token_latency.observe(ms_between(last_token_at_, now) / 1000.0);
  }
  last_token_at_ = now;

  Event ev;
  ev.tokens.push_back(t);
  if (req_.params.logprobs) {
    ev.logprobs.push_back(token_logprob(logits, t, req_.params.top_logprobs, tokenizer_));
  }
  const bool end_of_generation = !req_.params.ignore_eos && tokenizer_.is_end_of_generation(t);
  const auto drain = [&] { ev.text += stop_->push(detok_->flush()); ev.text += stop_->flush(); };
  if (end_of_generation) {
    drain();
    finish(FinishReason::kStop, std::move(ev), metrics);
    return;
  }
  ev.text = stop_->push(detok_->push(t));
  if (stop_->stopped()) {
    finish(FinishReason::kStop, std::move(ev), metrics);
    return;
  }
  const bool at_max = req_.params.max_tokens >= 0 && n_generated_ >= req_.params.max_tokens;
  const bool context_full = ctx_.n_past() >= ctx_.n_ctx();  // no room to evaluate t
  if (at_max || context_full) {
    drain();
    finish(stop_->stopped() ? FinishReason::kStop : FinishReason::kLength, std::move(ev), metrics);
    return;
  }
  next_token_ = t;
  phase_ = Phase::kDecode;
  handle_->push(std::move(ev));
}

void Slot::run_embed(EngineMetrics& metrics) {
  if (embed_next_ < req_.inputs.size()) {
    const std::vector<TokenId>& input = req_.inputs[embed_next_];
    auto vec = ctx_.embed(input);
    if (!vec.is_ok()) {
      abort(FinishReason::kError,
            "embedding input " + std::to_string(embed_next_) + ": " + vec.message(), metrics);
      return;
    }
    embeddings_.push_back(std::move(vec).value());
    metrics.prompt_tokens.fetch_add(input.size(), std::memory_order_relaxed);
    metrics.embedded_inputs.fetch_add(1, std::memory_order_relaxed);
    ++embed_next_;
  }
  if (embed_next_ == req_.inputs.size()) {
    Event last;
    last.embeddings = std::move(embeddings_);
    finish(FinishReason::kStop, std::move(last), metrics);
  }
}

void Slot::finish(FinishReason reason, Event last, EngineMetrics& metrics) {
  const Clock::time_point now = Clock::now();
  // The blocks go back before anything reports the end (metrics, the client's last event), so
  // whoever sees it sees them free. A failed evaluation may have left a block half written:
  // nothing new is offered then (what was published before is complete).
  release_cache(reason != FinishReason::kError);
  last.finish = reason;
  Usage& u = last.usage;
  Timings& t = last.timings;
  t.queue_ms = ms_between(submitted_, admitted_at_);
  if (req_.kind == Request::Kind::kEmbed) {
    for (const auto& input : req_.inputs) u.prompt_tokens += static_cast<int32_t>(input.size());
    t.prompt_n = u.prompt_tokens;
    t.prompt_ms = ms_between(admitted_at_, now);
  } else {
    u.prompt_tokens = static_cast<int32_t>(req_.prompt.size());
    u.completion_tokens = n_generated_;
    u.cached_tokens = prompt_reused_;
    t.prompt_n = prompt_done_ - prompt_reused_;
    if (n_generated_ > 0) {
      t.ttft_ms = ms_between(submitted_, first_token_at_);
      t.prompt_ms = ms_between(admitted_at_, first_token_at_);
      t.predicted_n = n_generated_;
      t.predicted_ms = ms_between(first_token_at_, last_token_at_);
    } else {
      t.prompt_ms = ms_between(admitted_at_, now);
    }
  }
  switch (reason) {
    case FinishReason::kStop: metrics.requests_finished_stop.fetch_add(1); break;
    case FinishReason::kLength: metrics.requests_finished_length.fetch_add(1); break;
    case FinishReason::kCancelled: metrics.requests_cancelled.fetch_add(1); break;
    case FinishReason::kError: metrics.requests_failed.fetch_add(1); break;
    case FinishReason::kNone: break;
  }
  metrics.slots_busy.fetch_sub(1, std::memory_order_relaxed);
  handle_->push(std::move(last));
  handle_.reset();
  req_ = Request{};
  sampler_.reset();
  detok_.reset();
  stop_.reset();
}

void Slot::abort(FinishReason reason, std::string why, EngineMetrics& metrics) {
  if (!busy()) return;
  Event last;
  last.error = std::move(why);
  finish(reason, std::move(last), metrics);
}

}  // namespace hearth::engine

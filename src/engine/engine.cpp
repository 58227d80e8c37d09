// engine: Engine: validation, the bounded queue and the step loop (admit, cancel, schedule,
// run).
#include "engine/engine.h"

#include <algorithm>
#include <utility>

#include "base/log.h"

namespace hearth::engine {
namespace {

// Without an explicit context size: the training context, capped so a 128k-context model does
// not reserve 128k positions of KV cache per slot.
constexpr int32_t kDefaultCtxCap = 4096;

int32_t context_size(const ModelConfig& c, int32_t requested) {
  int32_t n = requested > 0 ? requested : std::min(c.n_ctx_train, kDefaultCtxCap);
  // Encoders have absolute position embeddings: nothing past the training context exists.
  if (c.is_encoder() && c.n_ctx_train > 0) n = std::min(n, c.n_ctx_train);
  return std::max(n, 1);
}

Submission refuse(SubmitError e, std::string message) {
  Submission s;
  s.error = e;
  s.message = std::move(message);
  return s;
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::create(std::shared_ptr<const Model> model,
                                               EngineOptions options) {
  if (!model) return Status::error("engine: no model");
  if (options.n_parallel < 1 || options.n_parallel > 1024)
    return Status::errorf("engine: n_parallel must be in [1, 1024], got {}", options.n_parallel);
  // Every request passes through the queue, so it must hold at least one.
  if (options.max_queue < 1)
    return Status::errorf("engine: max_queue must be >= 1, got {}", options.max_queue);
  if (options.n_ctx < 0) return Status::errorf("engine: n_ctx must be >= 0, got {}", options.n_ctx);
  const int32_t n_ctx = context_size(model->config(), options.n_ctx);
  std::unique_ptr<Engine> e(new Engine(std::move(model), options, n_ctx));
  e->thread_ = std::thread([raw = e.get()] { raw->loop(); });
  return e;
}

Engine::Engine(std::shared_ptr<const Model> model, EngineOptions options, int32_t n_ctx)
    : model_(std::move(model)),
      options_(options),
      n_ctx_(n_ctx),
      scheduler_(options.step_tokens) {
  // Decoders share one pool of blocks sized for every slot's full context, so a sequence can
  // always grow to n_ctx while full prompt blocks are reused across requests. Encoders keep a
  // private cache each (their inputs are encoded whole and never continued).
  if (!model_->config().is_encoder()) {
    kv_pool_ = std::make_shared<KvBlockPool>(
        model_->config(), KvBlockPool::blocks_for(n_ctx_, options.n_parallel));
  }
  for (int i = 0; i < options.n_parallel; ++i) {
    slots_.push_back(std::make_unique<Slot>(*model_, n_ctx_, i, kv_pool_));
  }
  slot_last_used_.assign(slots_.size(), 0);
  metrics_.slots_total = static_cast<int64_t>(slots_.size());
}

Engine::~Engine() { stop(); }

Submission Engine::validate(const Request& r) const {
  const int32_t n_vocab = model_->tokenizer().n_vocab();
  const auto bad_token = [&](const std::vector<TokenId>& tokens) {
    return std::find_if(tokens.begin(), tokens.end(),
                        [&](TokenId t) { return t < 0 || t >= n_vocab; });
  };
  if (r.kind == Request::Kind::kEmbed) {
    if (!can_embed())
      return refuse(SubmitError::kInvalid,
                    fmt::format("this model ({}) does not produce embeddings (it has no pooling)",
                                model_->config().arch));
    if (r.inputs.empty()) return refuse(SubmitError::kInvalid, "input must not be empty");
    for (size_t i = 0; i < r.inputs.size(); ++i) {
      const auto& in = r.inputs[i];
      if (in.empty())
        return refuse(SubmitError::kInvalid, fmt::format("input {} gives no tokens", i));
      if (auto it = bad_token(in); it != in.end())
        return refuse(SubmitError::kInvalid,
                      fmt::format("input {} has token id {} outside the vocabulary [0, {})", i,
                                  *it, n_vocab));
      if (static_cast<int64_t>(in.size()) > n_ctx_)
        return refuse(SubmitError::kContextLength,
                      fmt::format("input {} has {} tokens but this model's context holds {}", i,
                                  in.size(), n_ctx_));
    }
    return {};
  }
  if (!can_generate())
    return refuse(SubmitError::kInvalid,
                  fmt::format("this model ({}) is an encoder: it embeds text but does not "
                              "generate it",
                              model_->config().arch));
  if (r.prompt.empty()) return refuse(SubmitError::kInvalid, "the prompt gives no tokens");
  if (auto it = bad_token(r.prompt); it != r.prompt.end())
    return refuse(SubmitError::kInvalid,
                  fmt::format("prompt token id {} is outside the vocabulary [0, {})", *it,
                              n_vocab));
  if (static_cast<int64_t>(r.prompt.size()) >= n_ctx_)
    return refuse(SubmitError::kContextLength,
                  fmt::format("the prompt has {} tokens but the context holds {} (including at "
                              "least one generated token)",
                              r.prompt.size(), n_ctx_));
  if (Status st = sampling::validate_params(r.params.sampling); !st.is_ok())
    return refuse(SubmitError::kInvalid, st.message());
  if (r.params.top_logprobs < 0 || r.params.top_logprobs > kMaxTopLogprobs)
    return refuse(SubmitError::kInvalid,
                  fmt::format("top_logprobs must be in [0, {}], got {}", kMaxTopLogprobs,
                              r.params.top_logprobs));
  return {};
}

Submission Engine::submit(Request request) {
  Submission s = validate(request);
  if (!s.ok()) return s;
  std::unique_lock lock(mu_);
  if (stopping_) return refuse(SubmitError::kUnavailable, "the server is shutting down");
  if (static_cast<int64_t>(queue_.size()) >= options_.max_queue) {
    metrics_.requests_rejected_queue_full.fetch_add(1, std::memory_order_relaxed);
    return refuse(SubmitError::kQueueFull,
                  fmt::format("the queue is full ({} requests waiting for {} slots): retry later",
                              queue_.size(), slots_.size()));
  }
  s.handle = std::make_shared<RequestHandle>(next_id_++);
  queue_.push_back(PendingRequest{std::move(request), s.handle, Clock::now()});
  metrics_.queue_depth.store(static_cast<int64_t>(queue_.size()), std::memory_order_relaxed);
  lock.unlock();
  cv_.notify_one();
  return s;
}

void Engine::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  std::lock_guard join_lock(join_mu_);
  if (thread_.joinable()) thread_.join();
}

int Engine::pick_slot() const {
  int best = -1;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i]->busy()) continue;
    if (best < 0 || slot_last_used_[i] < slot_last_used_[static_cast<size_t>(best)]) {
      best = static_cast<int>(i);
    }
  }
  return best;
}

void Engine::admit_locked() {
  std::erase_if(queue_, [&](const PendingRequest& p) {
    if (!p.handle->cancelled()) return false;
    Event last;
    last.finish = FinishReason::kCancelled;
    last.error = "cancelled while waiting for a slot";
    p.handle->push(std::move(last));
    metrics_.requests_cancelled.fetch_add(1, std::memory_order_relaxed);
    return true;
  });
  while (!queue_.empty()) {
    const int i = pick_slot();
    if (i < 0) break;
    slot_last_used_[static_cast<size_t>(i)] = ++admissions_;
    slots_[static_cast<size_t>(i)]->assign(std::move(queue_.front()), admissions_, metrics_);
    queue_.pop_front();
  }
  metrics_.queue_depth.store(static_cast<int64_t>(queue_.size()), std::memory_order_relaxed);
}

void Engine::loop() {
  std::vector<SlotDemand> demands;
  while (true) {
    {
      std::unique_lock lock(mu_);
      const auto any_busy = [&] {
        return std::any_of(slots_.begin(), slots_.end(), [](const auto& s) { return s->busy(); });
      };
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty() || any_busy(); });
      if (stopping_) break;
      admit_locked();
    }
    // A cancelled request leaves its slot before any more work is done for it.
    for (auto& s : slots_) {
      if (s->cancel_requested())
        s->abort(FinishReason::kCancelled, "cancelled by the client", metrics_);
    }
    demands.clear();
    for (auto& s : slots_) {
      if (s->busy()) demands.push_back(s->demand());
    }
    run_step(scheduler_.plan(demands));
  }
  abort_all("the server is shutting down");
}

void Engine::run_step(std::span<const SlotWork> work) {
  // Every generating slot's tokens (prompt chunks and decode tokens) go through the model as
  // one batch, so each weight is read once per step rather than once per slot; encoder inputs
  // run on their own.
  batch_.clear();
  batch_slots_.clear();
  for (const SlotWork& w : work) {
    Slot& s = *slots_[static_cast<size_t>(w.slot)];
    if (s.generates()) {
      batch_.push_back({&s.context(), s.stage(w.n_tokens), false, Status::ok()});
      batch_slots_.push_back(&s);
    } else {
      s.run(w.n_tokens, metrics_);
    }
  }
  if (batch_.empty()) return;
  const Status st = Context::eval_batch(batch_);
  for (size_t i = 0; i < batch_slots_.size(); ++i) {
    batch_slots_[i]->complete(st.is_ok() ? batch_[i].status : st, metrics_);
  }
}

void Engine::abort_all(const std::string& why) {
  for (auto& s : slots_) s->abort(FinishReason::kCancelled, why, metrics_);
  std::lock_guard lock(mu_);
  for (PendingRequest& p : queue_) {
    Event last;
    last.finish = FinishReason::kCancelled;
    last.error = why;
    p.handle->push(std::move(last));
    metrics_.requests_cancelled.fetch_add(1, std::memory_order_relaxed);
  }
  queue_.clear();
  metrics_.queue_depth.store(0, std::memory_order_relaxed);
}

}  // namespace hearth::engine

// engine: one model's serving loop on its own thread. Requests go in through a bounded queue;
// each step the scheduler shares a token budget between every active slot (prompt chunks and
// decode tokens together), which then run as one batched forward pass over every slot's
// sequence (Context::eval_batch); results go back through each request's handle. Nothing
// outside the engine thread touches the model's contexts.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "engine/metrics.h"
#include "engine/request.h"
#include "engine/request_handle.h"
#include "engine/scheduler.h"
#include "engine/slot.h"
#include "model/kv_block_pool.h"
#include "model/model.h"

namespace hearth::engine {

struct EngineOptions {
  int32_t n_parallel = 4;     // slots: sequences served at once
  int32_t n_ctx = 0;          // context per slot; 0: min(the model's training context, 4096)
  int32_t max_queue = 64;     // requests waiting for a slot before submit() refuses more
  int32_t step_tokens = 256;  // token budget per step (prompt chunks + decode tokens)
};

// Why submit() refused a request.
enum class SubmitError {
  kNone,
  kInvalid,          // malformed request: empty prompt, bad token id, bad sampling value...
  kContextLength,    // a prompt or input longer than the context allows
  kQueueFull,        // try again later
  kUnavailable,      // the engine is stopping
};

struct Submission {
  std::shared_ptr<RequestHandle> handle;  // set when accepted
  SubmitError error = SubmitError::kNone;
  std::string message;  // why it was refused, naming the field and the limit
  bool ok() const { return error == SubmitError::kNone; }
};

class Engine {
 public:
  // Creates the slots (one Context each) and starts the engine thread. The model must outlive
  // the engine.
  static Result<std::unique_ptr<Engine>> create(std::shared_ptr<const Model> model,
                                                EngineOptions options);
  ~Engine();  // stop()
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Validates and queues a request; thread-safe. Never blocks on the model.
  Submission submit(Request request);
  // Ends every queued and running request (finish kCancelled, error "server shutting down")
  // and joins the engine thread. Idempotent; submit() refuses afterwards.
  void stop();

  const Model& model() const { return *model_; }
  int32_t n_ctx() const { return n_ctx_; }
  int32_t n_parallel() const { return static_cast<int32_t>(slots_.size()); }
  bool can_generate() const { return !model_->config().is_encoder(); }
  bool can_embed() const { return model_->config().pooling != Pooling::kNone; }
  const EngineMetrics& metrics() const { return metrics_; }
  // The KV block pool the slots share (null for encoder models); its gauges may be read from
  // any thread.
  const KvBlockPool* kv_pool() const { return kv_pool_.get(); }

 private:
  Engine(std::shared_ptr<const Model> model, EngineOptions options, int32_t n_ctx);
  Submission validate(const Request& r) const;
  void loop();
  // Moves queued requests into idle slots (dropping cancelled ones); needs mu_.
  void admit_locked();
  // The idle slot assigned least recently; -1 when none is idle. (Cached prefixes live in the
  // shared block pool, so any slot can reuse them.)
  int pick_slot() const;
  // Runs one step's planned work: one batched evaluation for the generating slots.
  void run_step(std::span<const SlotWork> work);
  void abort_all(const std::string& why);

  std::shared_ptr<const Model> model_;
  EngineOptions options_;
  int32_t n_ctx_;
  std::shared_ptr<KvBlockPool> kv_pool_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<uint64_t> slot_last_used_;
  Scheduler scheduler_;
  std::vector<ContextBatch> batch_;  // run_step's scratch (engine thread only)
  std::vector<Slot*> batch_slots_;
  EngineMetrics metrics_;

  std::mutex mu_;  // guards the queue, next_id_ and stopping_
  std::condition_variable cv_;
  std::deque<PendingRequest> queue_;
  uint64_t next_id_ = 1;
  bool stopping_ = false;
  uint64_t admissions_ = 0;  // engine thread only
  std::mutex join_mu_;       // one stop() joins the thread
  std::thread thread_;
};

}  // namespace hearth::engine

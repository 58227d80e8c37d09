// engine: the channel between one request's owner (an HTTP thread, the chat CLI) and the engine
// thread: events flow out, a cancellation flag flows in. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

#include "engine/request.h"

namespace hearth::engine {

class RequestHandle {
 public:
  explicit RequestHandle(uint64_t id) : id_(id) {}
  RequestHandle(const RequestHandle&) = delete;
  RequestHandle& operator=(const RequestHandle&) = delete;

  uint64_t id() const { return id_; }

  // Owner side. Every event that arrived since the last call, merged into one; waits up to
  // `timeout` for one. nullopt on timeout, and after the last event has been returned.
  std::optional<Event> next(std::chrono::milliseconds timeout);
  // Waits for the end and returns everything as one event (non-streaming clients).
  Event wait_all();
  // Asks the engine to stop this request; its slot is freed at the start of the next step and
  // the last event has finish == kCancelled. Idempotent; no effect once finished.
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }

  // Engine side.
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
  void push(Event event);
  bool finished() const;  // the last event has been pushed

 private:
  const uint64_t id_;
  std::atomic<bool> cancelled_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> events_;
  bool finished_ = false;   // the last event was pushed
  bool delivered_ = false;  // ... and returned by next()
};

}  // namespace hearth::engine

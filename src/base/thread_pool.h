// base: a small persistent thread pool for data-parallel loops (kernels split rows over it).
//
// Built for many short calls (a model makes over a hundred per decoded token): between calls
// the workers spin for a short while on a generation counter before they sleep on a
// condition variable, and the caller spins on a completion counter before it sleeps, so a
// call that follows soon after the last one costs well under a microsecond to start.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hearth {

class ThreadPool {
 public:
  // How long an idle worker (or a caller waiting for workers) spins before it sleeps.
  static constexpr std::chrono::microseconds kDefaultSpin{100};

  // n_threads counts the calling thread: a pool of 4 starts 3 workers. Values < 1 mean 1.
  explicit ThreadPool(int n_threads, std::chrono::microseconds spin = kDefaultSpin);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(task) once for every task in [0, n_tasks), spread over the workers and the
  // calling thread, and returns when all calls have finished. fn must not throw. Calls from
  // several threads take turns; a call made from inside a task runs inline on that thread.
  void parallel_for(int64_t n_tasks, const std::function<void(int64_t)>& fn);

 private:
  void worker_loop();
  void run_tasks();
  // Spins until pred() holds or the spin time is over; returns pred().
  template <class Pred>
  bool spin_until(const Pred& pred) const;

  std::vector<std::thread> workers_;
  const std::chrono::microseconds spin_;
  std::mutex call_mu_;  // one parallel_for at a time

  // Sleeping and waking. Workers wait on work_cv_ for a new generation (or stop); the caller
  // waits on done_cv_ for pending_ to reach 0. Changes that a sleeper waits for are made, or
  // followed by a notify, under mu_, so no wake-up is lost.
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  int sleeping_workers_ = 0;  // guarded by mu_
  bool caller_sleeping_ = false;  // guarded by mu_

  std::atomic<uint64_t> generation_{0};  // bumped once per parallel_for
  std::atomic<bool> stop_{false};
  std::atomic<int> pending_{0};  // workers that have not finished the current generation

  // The current call; written before generation_ is bumped (release), read after (acquire).
  const std::function<void(int64_t)>* fn_ = nullptr;
  int64_t n_tasks_ = 0;
  std::atomic<int64_t> next_task_{0};
};

}  // namespace hearth

#include "base/thread_pool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace hearth {
namespace {
// Set while a thread runs pool tasks, so that nested parallel_for calls run inline instead of
// waiting on workers that are busy with the outer call.
thread_local bool t_in_pool_task = false;

// Tells the core this is a spin loop (saves power, frees the sibling hyper-thread).
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}
}  // namespace

ThreadPool::ThreadPool(int n_threads, std::chrono::microseconds spin) : spin_(spin) {
  for (int i = 1; i < n_threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mu_);
    stop_.store(true);
  }
  work_cv_.notify_all();
  for (auto& w : workers_) w.join();
}

template <class Pred>
bool ThreadPool::spin_until(const Pred& pred) const {
  // Pause first (a call usually follows within microseconds), then yield the core to other
  // threads (on a busy machine those include this pool's own workers) until the time is over.
  const auto deadline = std::chrono::steady_clock::now() + spin_;
  for (int i = 0;; ++i) {
    if (pred()) return true;
    if (i < 256) {
      cpu_relax();
      continue;
    }
    if (std::chrono::steady_clock::now() >= deadline) return pred();
    std::this_thread::yield();
  }
}

void ThreadPool::run_tasks() {
  const bool was_in_task = t_in_pool_task;
  t_in_pool_task = true;
  for (int64_t i = next_task_.fetch_add(1); i < n_tasks_; i = next_task_.fetch_add(1)) (*fn_)(i);
  t_in_pool_task = was_in_task;
}

void ThreadPool::worker_loop() {
  uint64_t seen = 0;
  for (;;) {
    auto has_work = [&] {
      return stop_.load(std::memory_order_acquire) ||
             generation_.load(std::memory_order_acquire) != seen;
    };
    if (!spin_until(has_work)) {
      std::unique_lock lock(mu_);
      ++sleeping_workers_;
      work_cv_.wait(lock, has_work);
      --sleeping_workers_;
    }
    if (stop_.load(std::memory_order_acquire)) return;
    seen = generation_.load(std::memory_order_acquire);
    run_tasks();
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard lock(mu_);
      if (caller_sleeping_) done_cv_.notify_one();
    }
  }
}

void ThreadPool::parallel_for(int64_t n_tasks, const std::function<void(int64_t)>& fn) {
  if (n_tasks <= 0) return;
  if (workers_.empty() || n_tasks == 1 || t_in_pool_task) {
    for (int64_t i = 0; i < n_tasks; ++i) fn(i);
    return;
  }
  std::lock_guard call_lock(call_mu_);
  fn_ = &fn;
  n_tasks_ = n_tasks;
  next_task_.store(0, std::memory_order_relaxed);
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    generation_.fetch_add(1, std::memory_order_release);
    wake = sleeping_workers_ > 0;
  }
  if (wake) work_cv_.notify_all();
  run_tasks();
  auto done = [&] { return pending_.load(std::memory_order_acquire) == 0; };
  if (!spin_until(done)) {
    std::unique_lock lock(mu_);
    caller_sleeping_ = true;
    done_cv_.wait(lock, done);
    caller_sleeping_ = false;
  }
  fn_ = nullptr;
}

}  // namespace hearth

#include "base/thread_pool.h"

namespace hearth {
namespace {
// Set while a thread runs pool tasks, so that nested parallel_for calls run inline instead of
// waiting on workers that are busy with the outer call.
thread_local bool t_in_pool_task = false;
}  // namespace

ThreadPool::ThreadPool(int n_threads) {
  for (int i = 1; i < n_threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::run_tasks() {
  const bool was_in_task = t_in_pool_task;
  t_in_pool_task = true;
  for (int64_t i = next_task_.fetch_add(1); i < n_tasks_; i = next_task_.fetch_add(1)) (*fn_)(i);
  t_in_pool_task = was_in_task;
}

void ThreadPool::worker_loop() {
  uint64_t seen = 0;
  std::unique_lock lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    lock.unlock();
    run_tasks();
    lock.lock();
    if (--busy_workers_ == 0) done_cv_.notify_one();
  }
}

void ThreadPool::parallel_for(int64_t n_tasks, const std::function<void(int64_t)>& fn) {
  if (n_tasks <= 0) return;
  if (workers_.empty() || n_tasks == 1 || t_in_pool_task) {
    for (int64_t i = 0; i < n_tasks; ++i) fn(i);
    return;
  }
  std::lock_guard call_lock(call_mu_);
  {
    std::lock_guard lock(mu_);
    fn_ = &fn;
    n_tasks_ = n_tasks;
    next_task_.store(0);
    busy_workers_ = static_cast<int>(workers_.size());
    ++generation_;
  }
  work_cv_.notify_all();
  run_tasks();
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] { return busy_workers_ == 0; });
  fn_ = nullptr;
}

}  // namespace hearth

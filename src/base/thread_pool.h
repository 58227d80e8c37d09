// base: a small persistent thread pool for data-parallel loops (kernels split rows over it).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hearth {

class ThreadPool {
 public:
  // n_threads counts the calling thread: a pool of 4 starts 3 workers. Values < 1 mean 1.
  explicit ThreadPool(int n_threads);
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

  std::vector<std::thread> workers_;
  std::mutex call_mu_;  // one parallel_for at a time

  std::mutex mu_;  // guards the fields below
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  uint64_t generation_ = 0;  // bumped once per parallel_for; workers wait for a new one
  bool stop_ = false;
  int busy_workers_ = 0;

  const std::function<void(int64_t)>* fn_ = nullptr;
  int64_t n_tasks_ = 0;
  std::atomic<int64_t> next_task_{0};
};

}  // namespace hearth

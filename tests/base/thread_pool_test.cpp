// base/thread_pool: every task runs exactly once whether the workers are spinning, asleep or
// waking up; nested calls, callers on several threads, and destruction at any moment.
#include "base/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace hearth {
namespace {

using std::chrono::microseconds;

// Spin times that exercise each path: always sleep, the default, and spinning past any gap.
const microseconds kSpins[] = {microseconds{0}, ThreadPool::kDefaultSpin, microseconds{20000}};

TEST(ThreadPoolSpin, EveryTaskRunsOnceOnEveryPath) {
  for (const microseconds spin : kSpins) {
    for (int threads : {2, 3, 5}) {
      ThreadPool pool(threads, spin);
      for (int64_t n : {2, 3, 7, 64, 1000}) {
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        pool.parallel_for(n, [&](int64_t i) { hits[static_cast<size_t>(i)]++; });
        for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << i;
      }
    }
  }
}

// Many short calls back to back, with and without pauses between them (so workers are caught
// spinning, going to sleep, and asleep): no call returns before its tasks are done and no
// wake-up is lost (a lost one would hang here).
TEST(ThreadPoolSpin, ManyShortCallsWithGaps) {
  for (const microseconds spin : kSpins) {
    ThreadPool pool(3, spin);
    int64_t expected = 0;
    std::atomic<int64_t> total{0};
    for (int call = 0; call < 2000; ++call) {
      const int64_t n = 2 + call % 5;
      pool.parallel_for(n, [&](int64_t i) { total += i + 1; });
      expected += n * (n + 1) / 2;
      ASSERT_EQ(total.load(), expected) << "call " << call;
      if (call % 500 == 499) std::this_thread::sleep_for(microseconds{300});
    }
  }
}

TEST(ThreadPoolSpin, WorkersShareTheTasks) {
  // A task that waits for another to start can only finish if two threads run tasks at once.
  ThreadPool pool(2, microseconds{0});
  std::atomic<int> started{0};
  std::set<std::thread::id> ids;
  std::mutex mu;
  pool.parallel_for(2, [&](int64_t) {
    {
      std::lock_guard lock(mu);
      ids.insert(std::this_thread::get_id());
    }
    started++;
    while (started.load() < 2) std::this_thread::yield();
  });
  EXPECT_EQ(ids.size(), 2u);
}

TEST(ThreadPoolSpin, NestedCallsRunInlineOnTheirThread) {
  ThreadPool pool(3);
  std::atomic<int> total{0}, foreign{0};
  pool.parallel_for(8, [&](int64_t) {
    const auto outer = std::this_thread::get_id();
    pool.parallel_for(10, [&](int64_t j) {
      total += static_cast<int>(j);
      if (std::this_thread::get_id() != outer) foreign++;
    });
  });
  EXPECT_EQ(total.load(), 8 * 45);
  EXPECT_EQ(foreign.load(), 0);
}

TEST(ThreadPoolSpin, CallersOnSeveralThreadsTakeTurns) {
  for (const microseconds spin : kSpins) {
    ThreadPool pool(3, spin);
    std::atomic<int64_t> total{0};
    // Tasks of one call run on at most the pool's 3 threads; overlapping calls would add
    // their callers' threads.
    std::atomic<int> in_flight{0}, most_in_flight{0};
    std::vector<std::thread> callers;
    for (int c = 0; c < 4; ++c) {
      callers.emplace_back([&] {
        for (int rep = 0; rep < 100; ++rep) {
          pool.parallel_for(20, [&](int64_t i) {
            const int now = ++in_flight;
            int most = most_in_flight.load();
            while (now > most && !most_in_flight.compare_exchange_weak(most, now)) {
            }
            total += i;
            for (int k = 0; k < 100; ++k) std::atomic_signal_fence(std::memory_order_seq_cst);
            --in_flight;
          });
        }
      });
    }
    for (auto& t : callers) t.join();
    EXPECT_EQ(total.load(), 4 * 100 * 190);
    EXPECT_LE(most_in_flight.load(), pool.num_threads());
  }
}

TEST(ThreadPoolSpin, DestructionWhileIdle) {
  for (const microseconds spin : kSpins) {
    {
      ThreadPool never_used(4, spin);  // workers still starting or spinning
    }
    {
      ThreadPool pool(4, spin);
      std::atomic<int> n{0};
      pool.parallel_for(16, [&](int64_t) { n++; });
      EXPECT_EQ(n.load(), 16);
    }  // destroyed right after a call, workers spinning
    {
      ThreadPool pool(4, spin);
      pool.parallel_for(16, [](int64_t) {});
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }  // workers asleep (or spinning, with the long spin)
  }
}

}  // namespace
}  // namespace hearth

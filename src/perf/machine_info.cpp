#include "perf/machine_info.h"

#include <algorithm>
#include <barrier>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace hearth::perf {
namespace {

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t");
  const auto last = s.find_last_not_of(" \t\r\n");
  return first == std::string::npos ? std::string() : s.substr(first, last - first + 1);
}

std::string cpuid_brand() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned max_ext = __get_cpuid_max(0x80000000u, nullptr);
  if (max_ext < 0x80000004u) return {};
  char brand[49] = {};
  for (unsigned i = 0; i < 3; ++i) {
    unsigned regs[4];
    __get_cpuid(0x80000002u + i, &regs[0], &regs[1], &regs[2], &regs[3]);
    std::copy_n(reinterpret_cast<const char*>(regs), 16, brand + 16 * i);
  }
  return trim(brand);
#else
  return {};
#endif
}

// The CPUs of this process's affinity mask, in order; empty when unknown.
std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
    }
  }
#endif
  return cpus;
}

void pin_current_thread(int cpu) {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);  // best effort: a probe still runs unpinned
#endif
}

}  // namespace

std::string cpu_model_string() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = trim(line.substr(colon + 1));
        if (!name.empty()) return name;
      }
    }
  }
  std::string brand = cpuid_brand();
  return brand.empty() ? "unknown CPU" : brand;
}

int usable_cpu_count() {
  const auto cpus = allowed_cpus();
  if (!cpus.empty()) return static_cast<int>(cpus.size());
  return std::max(1u, std::thread::hardware_concurrency());
}

uint64_t available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("MemAvailable:", 0) == 0) {
      std::istringstream fields(line.substr(13));
      uint64_t kib = 0;
      if (fields >> kib) return kib * 1024;
    }
  }
  return 0;
}

std::vector<double> run_pinned_rounds(int n_threads, int reps, const std::function<void(int)>& prepare,
                                      const std::function<void(int)>& work) {
  using Clock = std::chrono::steady_clock;
  n_threads = std::max(1, n_threads);
  reps = std::max(1, reps);
  const std::vector<int> cpus = allowed_cpus();
  std::vector<Clock::time_point> starts(n_threads), ends(n_threads);
  std::vector<double> rounds(reps);
  // The completion step runs on one thread once all have arrived: it closes the round that
  // just ended (every thread's end time is recorded before it arrives).
  int round = -1;
  auto close_round = [&]() noexcept {
    if (round >= 0) {
      const auto first = *std::min_element(starts.begin(), starts.end());
      const auto last = *std::max_element(ends.begin(), ends.end());
      rounds[round] = std::chrono::duration<double>(last - first).count();
    }
    ++round;
  };
  std::barrier sync(n_threads, close_round);
  auto body = [&](int w) {
    if (!cpus.empty()) pin_current_thread(cpus[w % cpus.size()]);
    prepare(w);
    sync.arrive_and_wait();  // round -1 -> 0: everything prepared
    for (int r = 0; r < reps; ++r) {
      starts[w] = Clock::now();
      work(w);
      ends[w] = Clock::now();
      sync.arrive_and_wait();
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(n_threads);
  for (int w = 0; w < n_threads; ++w) threads.emplace_back(body, w);
  for (auto& t : threads) t.join();
  return rounds;
}

}  // namespace hearth::perf

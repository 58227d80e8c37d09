// engine: counters and latency histograms an engine keeps for monitoring (the server renders
// them as Prometheus text). Updated by the engine thread, read from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <vector>

namespace hearth::engine {

// A cumulative histogram over fixed upper bounds (seconds), as Prometheus expects.
class Histogram {
 public:
  // Bounds for latencies from a millisecond to a minute.
  static constexpr std::array<double, 14> kLatencyBounds = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0};

  void observe(double seconds);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // observations <= bounds[i]
    uint64_t count = 0;                // all observations (the +Inf bucket)
    double sum = 0;
  };
  Snapshot snapshot() const;

 private:
  std::array<std::atomic<uint64_t>, kLatencyBounds.size()> buckets_{};  // non-cumulative
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

struct EngineMetrics {
  std::atomic<uint64_t> requests_finished_stop{0};
  std::atomic<uint64_t> requests_finished_length{0};
  std::atomic<uint64_t> requests_cancelled{0};
  std::atomic<uint64_t> requests_failed{0};
  std::atomic<uint64_t> requests_rejected_queue_full{0};
  std::atomic<uint64_t> prompt_tokens{0};         // evaluated
  std::atomic<uint64_t> prompt_tokens_cached{0};  // reused from the KV prefix cache
  std::atomic<uint64_t> generated_tokens{0};
  std::atomic<uint64_t> embedded_inputs{0};
  std::atomic<int64_t> queue_depth{0};
  std::atomic<int64_t> slots_busy{0};
  int64_t slots_total = 0;
  Histogram time_to_first_token;
  Histogram inter_token_latency;
};

}  // namespace hearth::engine

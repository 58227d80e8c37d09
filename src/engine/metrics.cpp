// engine: Histogram.
#include "engine/metrics.h"

#include <algorithm>
#include <cmath>

namespace hearth::engine {

void Histogram::observe(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // also NaN
  const auto it = std::lower_bound(kLatencyBounds.begin(), kLatencyBounds.end(), seconds);
  if (it != kLatencyBounds.end()) {
    buckets_[static_cast<size_t>(it - kLatencyBounds.begin())].fetch_add(1, std::memory_order_relaxed);
  }
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(std::llround(std::min(seconds, 1e9) * 1e6)),
                        std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds.assign(kLatencyBounds.begin(), kLatencyBounds.end());
  uint64_t running = 0;
  for (const auto& b : buckets_) {
    running += b.load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = std::max(running, count_.load(std::memory_order_relaxed));
  s.sum = static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
  return s;
}

}  // namespace hearth::engine

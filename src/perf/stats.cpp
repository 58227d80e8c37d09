#include "perf/stats.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace hearth::perf {

SampleStats summarize(std::span<const double> samples) {
  SampleStats s;
  s.n = samples.size();
  if (s.n == 0) return s;
  double sum = 0.0;
  for (double v : samples) sum += v;
  s.mean = sum / static_cast<double>(s.n);
  if (s.n > 1) {
    // Two passes: the sum of squared deviations does not cancel the way sum(x^2) - n*mean^2 can.
    double squares = 0.0;
    for (double v : samples) squares += (v - s.mean) * (v - s.mean);
    s.stddev = std::sqrt(squares / static_cast<double>(s.n - 1));
  }
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end());
  s.min = sorted.front();
  s.max = sorted.back();
  const size_t mid = s.n / 2;
  s.median = s.n % 2 == 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
  return s;
}

void rates_from_durations(double amount, std::span<const double> seconds, std::span<double> out) {
  const size_t n = std::min(seconds.size(), out.size());
  for (size_t i = 0; i < n; ++i) out[i] = seconds[i] > 0.0 ? amount / seconds[i] : 0.0;
}

}  // namespace hearth::perf

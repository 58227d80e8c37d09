// perf: summary statistics of repeated measurements (mean, sample standard deviation, median).
#pragma once

#include <cstddef>
#include <span>

namespace hearth::perf {

struct SampleStats {
  size_t n = 0;
  double mean = 0.0;
  double stddev = 0.0;  // sample standard deviation (n - 1 in the denominator); 0 when n < 2
  double median = 0.0;
  double min = 0.0;
  double max = 0.0;
};

// All zero for an empty span.
SampleStats summarize(std::span<const double> samples);

// Rates from durations: out[i] = amount / seconds[i] (0 for a non-positive duration), so that
// the statistics of a rate are taken over per-run rates, as llama-bench reports them.
void rates_from_durations(double amount, std::span<const double> seconds, std::span<double> out);

}  // namespace hearth::perf

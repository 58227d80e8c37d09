#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "perf/stats.h"

namespace hearth::perf {
namespace {

TEST(Stats, MeanSampleStddevAndMedian) {
  const std::vector<double> v = {2, 4, 4, 4, 5, 5, 7, 9};
  const SampleStats s = summarize(v);
  EXPECT_EQ(s.n, 8u);
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  // Squared deviations sum to 32; the sample variance divides by n - 1 = 7.
  EXPECT_NEAR(s.stddev, std::sqrt(32.0 / 7.0), 1e-12);
  EXPECT_DOUBLE_EQ(s.median, 4.5);
  EXPECT_DOUBLE_EQ(s.min, 2.0);
  EXPECT_DOUBLE_EQ(s.max, 9.0);
}

TEST(Stats, OddCountMedianIgnoresOrder) {
  const std::vector<double> v = {9, 1, 5};
  const SampleStats s = summarize(v);
  EXPECT_DOUBLE_EQ(s.median, 5.0);
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  EXPECT_DOUBLE_EQ(s.stddev, 4.0);
}

TEST(Stats, OneSampleHasNoSpreadAndNoneIsAllZero) {
  const std::vector<double> one = {3.5};
  const SampleStats s = summarize(one);
  EXPECT_DOUBLE_EQ(s.mean, 3.5);
  EXPECT_DOUBLE_EQ(s.stddev, 0.0);
  EXPECT_DOUBLE_EQ(s.median, 3.5);
  const SampleStats none = summarize({});
  EXPECT_EQ(none.n, 0u);
  EXPECT_DOUBLE_EQ(none.mean, 0.0);
}

TEST(Stats, LargeOffsetDoesNotCancel) {
  // sum(x^2) - n mean^2 loses these digits; the two-pass form keeps them.
  const std::vector<double> v = {1e9 + 1, 1e9 + 2, 1e9 + 3};
  EXPECT_NEAR(summarize(v).stddev, 1.0, 1e-9);
}

TEST(Stats, RatesAreTakenPerRun) {
  const std::vector<double> seconds = {0.5, 0.25, 0.0};
  std::vector<double> rates(3);
  rates_from_durations(100.0, seconds, rates);
  EXPECT_DOUBLE_EQ(rates[0], 200.0);
  EXPECT_DOUBLE_EQ(rates[1], 400.0);
  EXPECT_DOUBLE_EQ(rates[2], 0.0);  // a zero duration is not an infinite rate
  // The mean of per-run rates (300), not the rate of the mean time (266.7), as llama-bench.
  EXPECT_DOUBLE_EQ(summarize(std::span<const double>(rates).first(2)).mean, 300.0);
}

}  // namespace
}  // namespace hearth::perf

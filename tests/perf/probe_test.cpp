// The probe's loops and measurements (small buffers and short rounds: no timing assertions,
// only that the loops cover their data and the results are usable numbers).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "perf/machine_info.h"
#include "perf/probe.h"
#include "perf/probe_kernels.h"

namespace hearth::perf {
namespace {

std::vector<const ProbeKernels*> available_kernels() {
  std::vector<const ProbeKernels*> out;
  for (const char* isa : {"scalar", "avx2", "avx512"}) {
    if (const ProbeKernels* k = probe_kernels_for(isa)) out.push_back(k);
  }
  return out;
}

TEST(ProbeKernels, ReadLoopsSeeEveryWord) {
  // Every read loop folds the buffer into the XOR of its 64-bit words; flipping one bit
  // anywhere must change the result, so no load was skipped.
  constexpr size_t kBytes = 64 * 1024;
  auto* data = static_cast<uint8_t*>(std::aligned_alloc(64, kBytes));
  ASSERT_NE(data, nullptr);
  uint64_t expected = 0;
  for (size_t i = 0; i < kBytes / 8; ++i) {
    const uint64_t w = 0x9E3779B97F4A7C15ull * (i + 1);
    std::memcpy(data + 8 * i, &w, 8);
    expected ^= w;
  }
  for (const ProbeKernels* k : available_kernels()) {
    EXPECT_EQ(k->read(data, kBytes), expected) << k->isa;
    for (size_t at : {size_t{0}, size_t{200}, kBytes - 1}) {
      data[at] ^= 0x10;
      EXPECT_NE(k->read(data, kBytes), expected) << k->isa << " byte " << at;
      data[at] ^= 0x10;
    }
  }
  std::free(data);
}

TEST(ProbeKernels, ComputeLoopsCountTheirWork) {
  for (const ProbeKernels* k : available_kernels()) {
    volatile float sink = 0;
    const double fma_ops = k->fma(1000, &sink);
    EXPECT_GT(fma_ops, 1000.0) << k->isa;
    EXPECT_TRUE(std::isfinite(sink)) << k->isa;
    // Twice the rounds, twice the operations.
    EXPECT_DOUBLE_EQ(k->fma(2000, &sink), 2 * fma_ops) << k->isa;
    const double int8_ops = k->int8(1000, &sink);
    EXPECT_GT(int8_ops, 1000.0) << k->isa;
    EXPECT_DOUBLE_EQ(k->int8(2000, &sink), 2 * int8_ops) << k->isa;
  }
}

TEST(ProbeKernels, BestIsTheWidestAvailable) {
  const auto all = available_kernels();
  EXPECT_EQ(best_probe_kernels().isa, all.back()->isa);
  EXPECT_EQ(probe_kernels_for("sse9"), nullptr);
}

TEST(Probe, SmallRunGivesPositiveRates) {
  ProbeOptions o;
  o.buffer_bytes = 8 << 20;
  o.reps = 2;
  o.n_threads = 2;
  o.compute_seconds = 0.002;
  o.isa = "scalar";
  int progress_lines = 0;
  o.progress = [&](std::string_view) { ++progress_lines; };
  auto p = run_probe(o);
  ASSERT_TRUE(p) << p.message();
  EXPECT_EQ(p->isa, "scalar");
  EXPECT_EQ(p->n_threads, 2);
  EXPECT_EQ(p->n_cores, usable_cpu_count());
  EXPECT_EQ(p->cpu_model, cpu_model_string());
  EXPECT_GT(p->read_gb_per_s, 0.0);
  EXPECT_GE(p->read_gb_per_s, p->read_gb_per_s_median);  // the best round is at least the median
  EXPECT_GT(p->fma_gflops, 0.0);
  EXPECT_GT(p->int8_gops, 0.0);
  EXPECT_EQ(progress_lines, 3);
  EXPECT_FALSE(p->probed_at.empty());
}

TEST(Probe, BadOptionsAreErrors) {
  ProbeOptions o;
  o.isa = "sse9";
  auto p = run_probe(o);
  ASSERT_FALSE(p);
  EXPECT_NE(p.message().find("sse9"), std::string::npos);
  ProbeOptions tiny;
  tiny.buffer_bytes = 1000;  // smaller than a page per thread
  tiny.isa = "scalar";
  EXPECT_FALSE(run_probe(tiny));
}

TEST(MachineInfo, DescribesThisMachine) {
  EXPECT_FALSE(cpu_model_string().empty());
  EXPECT_GE(usable_cpu_count(), 1);
  std::vector<int> seen(3, 0);
  const auto rounds = run_pinned_rounds(3, 4, [&](int w) { seen[w] += 100; }, [&](int w) { seen[w] += 1; });
  ASSERT_EQ(rounds.size(), 4u);
  for (double t : rounds) EXPECT_GE(t, 0.0);
  for (int s : seen) EXPECT_EQ(s, 104);  // prepared once, worked once per round
}

}  // namespace
}  // namespace hearth::perf

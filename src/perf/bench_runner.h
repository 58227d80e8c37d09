// perf: the `hearth bench` measurements, as llama-bench makes them: pp = one prompt of
// n_prompt random tokens evaluated as one batch, tg = n_gen tokens decoded one at a time from
// an empty context; each timed `reps` times after one warm-up.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "perf/stats.h"
#include "tokenizer/tokenizer.h"

namespace hearth {
class Model;
}

namespace hearth::perf {

// Runs setup() (untimed) and body() `warmups + reps` times; returns the durations in seconds
// of the last `reps` bodies. Stops at the first error.
Result<std::vector<double>> time_repeated(int reps, int warmups, const std::function<Status()>& setup,
                                          const std::function<Status()>& body);

// `n` token ids in [0, n_vocab) from a fixed seed; the first is `first` when first >= 0 (a
// BOS, as llama-bench starts its prompts).
std::vector<TokenId> random_tokens(int32_t n, int32_t n_vocab, TokenId first, uint64_t seed);

struct BenchOptions {
  int32_t n_prompt = 512;  // 0: no pp test
  int32_t n_gen = 128;     // 0: no tg test
  int reps = 3;
  uint64_t seed = 1234;
  std::function<void(std::string_view)> progress;  // one line per step (may be empty)
};

enum class BenchKind { kPrompt, kGenerate };

struct BenchSamples {
  BenchKind kind = BenchKind::kPrompt;
  std::string test;            // "pp512", "tg128"
  int32_t n_tokens = 0;        // tokens per run
  std::vector<double> seconds; // one per timed run
  SampleStats tokens_per_s;    // over the per-run rates
};

// The pp test, then the tg test, on one context of n_prompt + n_gen tokens (each run starts
// from an empty cache). Errors for encoder models and bad options.
Result<std::vector<BenchSamples>> run_bench(const Model& model, const BenchOptions& options);

// Fills tokens_per_s from seconds.
void summarize_samples(BenchSamples& s);

}  // namespace hearth::perf

// perf: `hearth bench` results joined with the weight traffic and the probe: achieved GB/s
// and GFLOP/s against the machine's roofline, printed as JSON, a markdown table or a table.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/model_config.h"
#include "perf/bench_runner.h"
#include "perf/probe.h"
#include "perf/weight_traffic.h"

namespace hearth::perf {

// Which probe peak the prompt's arithmetic is compared with: the int8 dot-product rate when
// quantised weights run on integer kernels, else the f32 FMA rate.
enum class PeakKind { kInt8, kFma };

struct BenchRow {
  std::string test;  // "pp512", "tg128"
  BenchKind kind = BenchKind::kPrompt;
  int32_t n_tokens = 0;
  double tokens_per_s = 0, stddev = 0;
  double bytes_per_token = 0;  // weights read per token (pp: per token of the batch)
  double gb_per_s = 0;         // bytes_per_token x tokens/s
  double roofline_pct = 0;     // 100 x gb_per_s / probe read bandwidth
  double gflops = 0;           // pp only: matrix products and attention
  double pct_of_peak = 0;      // pp only: 100 x gflops / the probe's peak of `peak`
  PeakKind peak = PeakKind::kFma;
};

struct BenchReport {
  std::string model;        // path as given
  std::string model_label;  // "llama 1.24B Q4_K"
  uint64_t model_bytes = 0, n_params = 0;
  int threads = 0;
  std::string isa;  // kernels::isa_name()
  ProbeResult probe;
  std::vector<BenchRow> rows;
};

BenchRow make_row(const BenchSamples& s, const WeightTraffic& traffic, const ModelConfig& config,
                  const ProbeResult& probe, PeakKind peak);

// "<arch> <params> <dominant weight type>", e.g. "qwen3moe 3.27M Q8_0".
std::string model_label(const std::string& arch, const std::vector<gguf::TensorInfo>& tensors);

// {"model", "threads", "isa", "probe": {...}, "results": [{"test", "tokens_per_s", "stddev",
// "bytes_per_token", "gb_per_s", "roofline_pct"[, "gflops", "pct_of_peak" for pp]}]}
nlohmann::json report_json(const BenchReport& r);
std::string report_markdown(const BenchReport& r);  // a llama-bench style markdown table
std::string report_table(const BenchReport& r);     // aligned plain text for people

}  // namespace hearth::perf

// Turning bench samples into roofline figures, and the three output formats.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "gguf/gguf_file.h"
#include "perf/bench_report.h"

namespace hearth::perf {
namespace {

ProbeResult probe_of(double read_gb_per_s, double fma, double int8) {
  ProbeResult p;
  p.cpu_model = "Test CPU";
  p.n_cores = p.n_threads = 4;
  p.isa = "avx2";
  p.int8_kind = "avx2 maddubs+madd";
  p.read_gb_per_s = p.read_gb_per_s_median = read_gb_per_s;
  p.fma_gflops = fma;
  p.int8_gops = int8;
  p.probed_at = "2026-01-01T00:00:00Z";
  return p;
}

BenchSamples samples(BenchKind kind, const std::string& test, int32_t n, std::vector<double> seconds) {
  BenchSamples s{kind, test, n, std::move(seconds), {}};
  summarize_samples(s);
  return s;
}

WeightTraffic dense_traffic() {
  WeightTraffic w;
  w.total_bytes = 1'000'000'000 + 50'000'000;
  w.full_bytes = 1'000'000'000;
  w.row_bytes = 1'000;
  w.lookup_bytes = 50'000'000;
  w.matmul_params_dense = 2'000'000'000;
  return w;
}

TEST(BenchReport, GenerationRowIsBandwidth) {
  // 10 tokens in 0.5 s and in 1.0 s: 20 and 10 tokens/s, mean 15.
  const BenchSamples tg = samples(BenchKind::kGenerate, "tg10", 10, {0.5, 1.0});
  const BenchRow row = make_row(tg, dense_traffic(), ModelConfig{}, probe_of(100.0, 1000, 2000), PeakKind::kInt8);
  EXPECT_EQ(row.test, "tg10");
  EXPECT_DOUBLE_EQ(row.tokens_per_s, 15.0);
  EXPECT_NEAR(row.stddev, 7.0710678118654755, 1e-12);
  EXPECT_DOUBLE_EQ(row.bytes_per_token, 1'000'001'000.0);
  EXPECT_NEAR(row.gb_per_s, 15.000015, 1e-9);
  EXPECT_NEAR(row.roofline_pct, 15.000015, 1e-9);
  EXPECT_DOUBLE_EQ(row.gflops, 0.0);  // tg rows report bandwidth only
}

TEST(BenchReport, PromptRowIsArithmetic) {
  ModelConfig c;
  c.n_layer = 1;
  c.n_head = 1;
  c.head_dim_k = c.head_dim_v = 1;
  c.layers.resize(1);
  // 100 tokens in 1 s. Matrix products: 2 x 2e9 = 4e9 FLOPs per token; attention: 4 FLOPs per
  // key, keys 1..100 = 5050 in all, 202 per token.
  const BenchSamples pp = samples(BenchKind::kPrompt, "pp100", 100, {1.0});
  const BenchRow fma = make_row(pp, dense_traffic(), c, probe_of(100.0, 1000, 2000), PeakKind::kFma);
  EXPECT_DOUBLE_EQ(fma.tokens_per_s, 100.0);
  EXPECT_NEAR(fma.gflops, (4e9 + 202.0) * 100 / 1e9, 1e-9);
  EXPECT_NEAR(fma.pct_of_peak, 100.0 * fma.gflops / 1000, 1e-9);
  const BenchRow int8 = make_row(pp, dense_traffic(), c, probe_of(100.0, 1000, 2000), PeakKind::kInt8);
  EXPECT_NEAR(int8.pct_of_peak, 100.0 * int8.gflops / 2000, 1e-9);
  // The batch reads the dense weights once and 100 lookup rows.
  EXPECT_DOUBLE_EQ(fma.bytes_per_token, (1e9 + 100 * 1000.0) / 100);
}

BenchReport sample_report() {
  BenchReport r;
  r.model = "m.gguf";
  r.model_label = "llama 1.00B Q4_0";
  r.model_bytes = 1 << 30;
  r.n_params = 1'000'000'000;
  r.threads = 4;
  r.isa = "avx2";
  r.probe = probe_of(100.0, 1000, 2000);
  ModelConfig c;
  r.rows.push_back(make_row(samples(BenchKind::kPrompt, "pp512", 512, {1.0, 1.1}), dense_traffic(), c, r.probe,
                            PeakKind::kInt8));
  r.rows.push_back(make_row(samples(BenchKind::kGenerate, "tg128", 128, {4.0, 4.2}), dense_traffic(), c, r.probe,
                            PeakKind::kInt8));
  return r;
}

std::set<std::string> keys_of(const nlohmann::json& j) {
  std::set<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.insert(k);
  return keys;
}

TEST(BenchReport, JsonHasExactlyTheDocumentedFields) {
  const BenchReport r = sample_report();
  const nlohmann::json j = report_json(r);
  EXPECT_EQ(keys_of(j), (std::set<std::string>{"model", "threads", "isa", "probe", "results"}));
  EXPECT_EQ(j["model"], "m.gguf");
  EXPECT_EQ(j["threads"], 4);
  EXPECT_EQ(j["isa"], "avx2");
  EXPECT_DOUBLE_EQ(j["probe"]["read_gb_per_s"].get<double>(), 100.0);
  ASSERT_EQ(j["results"].size(), 2u);
  const std::set<std::string> common = {"test", "tokens_per_s", "stddev", "bytes_per_token", "gb_per_s", "roofline_pct"};
  std::set<std::string> pp = common;
  pp.insert({"gflops", "pct_of_peak"});
  EXPECT_EQ(keys_of(j["results"][0]), pp);
  EXPECT_EQ(keys_of(j["results"][1]), common);
  EXPECT_EQ(j["results"][0]["test"], "pp512");
  EXPECT_EQ(j["results"][1]["test"], "tg128");
  EXPECT_DOUBLE_EQ(j["results"][1]["tokens_per_s"].get<double>(), r.rows[1].tokens_per_s);
}

TEST(BenchReport, MarkdownAndTableHaveOneLinePerTest) {
  const BenchReport r = sample_report();
  const std::string md = report_markdown(r);
  EXPECT_EQ(md.rfind("| model | size | params | isa | threads | test | t/s |", 0), 0u) << md;
  EXPECT_NE(md.find("| llama 1.00B Q4_0 | 1.00 GiB | 1.00B | avx2 | 4 | pp512 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| tg128 |"), std::string::npos) << md;
  const std::string table = report_table(r);
  EXPECT_NE(table.find("pp512"), std::string::npos);
  EXPECT_NE(table.find("tg128"), std::string::npos);
  EXPECT_NE(table.find("read 100.0 GB/s"), std::string::npos) << table;
}

TEST(BenchReport, ModelLabelNamesTheDominantType) {
  auto file = gguf::GgufFile::open(std::string(HEARTH_TESTDATA) + "/models/qwen3moe-Q8_0.gguf");
  ASSERT_TRUE(file) << file.message();
  EXPECT_EQ(model_label("qwen3moe", (*file)->tensors()), "qwen3moe 3.81M Q8_0");
}

}  // namespace
}  // namespace hearth::perf

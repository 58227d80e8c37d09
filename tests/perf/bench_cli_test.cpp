// End to end: `hearth bench` reuses the cached probe and prints the documented JSON. Runs the
// built binary (skipped when it has not been built: hearth_perf_tests does not depend on it).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "cli/hearth_process.h"
#include "gguf/gguf_file.h"
#include "perf/probe.h"
#include "perf/weight_traffic.h"

namespace hearth::perf {
namespace {

class BenchCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(HEARTH_BINARY)) GTEST_SKIP() << "no hearth binary at " << HEARTH_BINARY;
    // The binary finds its probe cache under XDG_CACHE_HOME (inherited through std::system).
    const char* old = std::getenv("XDG_CACHE_HOME");
    had_xdg_ = old != nullptr;
    if (had_xdg_) old_xdg_ = old;
    setenv("XDG_CACHE_HOME", (scratch_.path() / "cache").c_str(), 1);
  }
  void TearDown() override {
    if (had_xdg_) setenv("XDG_CACHE_HOME", old_xdg_.c_str(), 1); else unsetenv("XDG_CACHE_HOME");
  }
  hearth::test::ScratchDir scratch_{"hearth_bench_cli"};
  bool had_xdg_ = false;
  std::string old_xdg_;
};

TEST_F(BenchCli, JsonUsesTheCachedProbe) {
  // A made-up probe for this machine: the report must carry it instead of probing again.
  ProbeResult fake;
  fake.cpu_model = "ignored";
  fake.n_cores = 1;
  fake.n_threads = 1;
  fake.isa = "scalar";
  fake.int8_kind = "scalar multiply-add";
  fake.buffer_bytes = 1 << 20;
  fake.read_gb_per_s = fake.read_gb_per_s_median = 12345.5;
  fake.fma_gflops = 1.0;
  fake.int8_gops = 2.0;
  fake.probed_at = "2000-01-01T00:00:00Z";
  nlohmann::json entry = probe_to_json(fake);
  // Stored under this machine's key, as the binary computes it.
  const nlohmann::json cache = {{"format", "hearth-probe-cache"}, {"version", 1},
                                {"machines", {{this_machine_cache_key(), entry}}}};
  std::filesystem::create_directories(scratch_.path() / "cache" / "hearth");
  std::ofstream(scratch_.path() / "cache" / "hearth" / "probe.json") << cache.dump();

  const std::string model = std::string(HEARTH_TESTDATA) + "/models/qwen3moe-Q8_0.gguf";
  const auto r = hearth::test::run_hearth({"bench", model, "-p", "8", "-n", "4", "-r", "1", "-t", "1", "--json"},
                                          scratch_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["model"], model);
  EXPECT_EQ(j["threads"], 1);
  EXPECT_DOUBLE_EQ(j["probe"]["read_gb_per_s"].get<double>(), 12345.5);
  ASSERT_EQ(j["results"].size(), 2u);
  EXPECT_EQ(j["results"][0]["test"], "pp8");
  EXPECT_EQ(j["results"][1]["test"], "tg4");

  auto file = gguf::GgufFile::open(model);
  ASSERT_TRUE(file);
  auto traffic = weight_traffic((*file)->tensors(), 8, 2);
  ASSERT_TRUE(traffic);
  const auto& tg = j["results"][1];
  EXPECT_DOUBLE_EQ(tg["bytes_per_token"].get<double>(), static_cast<double>(traffic->bytes_per_token()));
  EXPECT_NEAR(tg["gb_per_s"].get<double>(),
              tg["bytes_per_token"].get<double>() * tg["tokens_per_s"].get<double>() / 1e9, 1e-9);
  EXPECT_NEAR(tg["roofline_pct"].get<double>(), 100.0 * tg["gb_per_s"].get<double>() / 12345.5, 1e-9);
}

TEST_F(BenchCli, ClearErrors) {
  auto nothing = hearth::test::run_hearth({"bench"}, scratch_.path());
  EXPECT_EQ(nothing.exit_code, 1);
  EXPECT_NE(nothing.err.find("--probe"), std::string::npos) << nothing.err;
  auto isa = hearth::test::run_hearth({"bench", "--isa", "sse9", "x.gguf"}, scratch_.path());
  EXPECT_EQ(isa.exit_code, 1);
  EXPECT_NE(isa.err.find("sse9"), std::string::npos) << isa.err;
}

}  // namespace
}  // namespace hearth::perf

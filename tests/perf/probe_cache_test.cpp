// The probe result's JSON and its cache file: round trips, several machines in one file, and
// clear errors for files that are not a probe cache.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "perf/probe.h"

namespace hearth::perf {
namespace {

namespace fs = std::filesystem;

class ProbeCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hearth_probe_cache_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path() const { return (dir_ / "sub" / "probe.json").string(); }
  void write(const std::string& text) const {
    fs::create_directories(dir_ / "sub");
    std::ofstream(path()) << text;
  }
  fs::path dir_;
};

ProbeResult sample_probe(const std::string& cpu, int cores, double read) {
  ProbeResult p;
  p.cpu_model = cpu;
  p.n_cores = cores;
  p.n_threads = cores;
  p.isa = "avx2";
  p.int8_kind = "avx2 maddubs+madd";
  p.buffer_bytes = uint64_t{1} << 30;
  p.read_gb_per_s = read;
  p.read_gb_per_s_median = read * 0.95;
  p.fma_gflops = 512.25;
  p.int8_gops = 1024.5;
  p.probed_at = "2026-01-02T03:04:05Z";
  return p;
}

void expect_same(const ProbeResult& a, const ProbeResult& b) {
  EXPECT_EQ(a.cpu_model, b.cpu_model);
  EXPECT_EQ(a.n_cores, b.n_cores);
  EXPECT_EQ(a.n_threads, b.n_threads);
  EXPECT_EQ(a.isa, b.isa);
  EXPECT_EQ(a.int8_kind, b.int8_kind);
  EXPECT_EQ(a.buffer_bytes, b.buffer_bytes);
  EXPECT_DOUBLE_EQ(a.read_gb_per_s, b.read_gb_per_s);
  EXPECT_DOUBLE_EQ(a.read_gb_per_s_median, b.read_gb_per_s_median);
  EXPECT_DOUBLE_EQ(a.fma_gflops, b.fma_gflops);
  EXPECT_DOUBLE_EQ(a.int8_gops, b.int8_gops);
  EXPECT_EQ(a.probed_at, b.probed_at);
}

TEST_F(ProbeCacheTest, JsonRoundTrip) {
  const ProbeResult p = sample_probe("Test CPU 9000", 16, 101.5);
  auto back = probe_from_json(probe_to_json(p));
  ASSERT_TRUE(back) << back.message();
  expect_same(p, *back);
}

TEST_F(ProbeCacheTest, FileRoundTripKeepsOtherMachines) {
  const ProbeResult a = sample_probe("Test CPU 9000", 16, 101.5);
  const ProbeResult b = sample_probe("Test CPU 9000", 8, 60.0);  // same model, fewer cores: another key
  ASSERT_NE(a.cache_key(), b.cache_key());
  ASSERT_TRUE(save_probe(path(), a));  // creates the missing directory
  ASSERT_TRUE(save_probe(path(), b));
  auto got_a = load_cached_probe(path(), a.cache_key());
  auto got_b = load_cached_probe(path(), b.cache_key());
  ASSERT_TRUE(got_a && got_a->has_value()) << got_a.message();
  ASSERT_TRUE(got_b && got_b->has_value()) << got_b.message();
  expect_same(**got_a, a);
  expect_same(**got_b, b);
  // A re-probe replaces its own entry only.
  ASSERT_TRUE(save_probe(path(), sample_probe("Test CPU 9000", 16, 99.0)));
  EXPECT_DOUBLE_EQ((**load_cached_probe(path(), a.cache_key())).read_gb_per_s, 99.0);
  EXPECT_DOUBLE_EQ((**load_cached_probe(path(), b.cache_key())).read_gb_per_s, 60.0);
  EXPECT_FALSE(fs::exists(path() + ".tmp"));
}

TEST_F(ProbeCacheTest, MissingFileOrEntryIsNotAnError) {
  auto none = load_cached_probe(path(), "Nothing x 1");
  ASSERT_TRUE(none) << none.message();
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(save_probe(path(), sample_probe("Test CPU 9000", 16, 101.5)));
  auto other = load_cached_probe(path(), probe_cache_key("Test CPU 9000", 4));
  ASSERT_TRUE(other) << other.message();
  EXPECT_FALSE(other->has_value());
}

TEST_F(ProbeCacheTest, BadFilesAreClearErrors) {
  write("{ not json");
  auto corrupt = load_cached_probe(path(), "x");
  ASSERT_FALSE(corrupt);
  EXPECT_NE(corrupt.message().find("not valid JSON"), std::string::npos) << corrupt.message();

  write(R"({"format": "something else", "version": 1, "machines": {}})");
  EXPECT_FALSE(load_cached_probe(path(), "x"));
  write(R"({"format": "hearth-probe-cache", "version": "one", "machines": {}})");
  EXPECT_FALSE(load_cached_probe(path(), "x"));

  ProbeResult p = sample_probe("Test CPU 9000", 16, 101.5);
  nlohmann::json entry = probe_to_json(p);
  entry.erase("fma_gflops");
  nlohmann::json cache = {{"format", "hearth-probe-cache"}, {"version", 1}, {"machines", {{p.cache_key(), entry}}}};
  write(cache.dump());
  auto missing = load_cached_probe(path(), p.cache_key());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.message().find("fma_gflops"), std::string::npos) << missing.message();

  entry = probe_to_json(p);
  entry["cores"] = "sixteen";
  EXPECT_FALSE(probe_from_json(entry));
  EXPECT_FALSE(probe_from_json(nlohmann::json::array()));

  // Saving over a corrupt file replaces it.
  write("garbage");
  ASSERT_TRUE(save_probe(path(), p));
  auto repaired = load_cached_probe(path(), p.cache_key());
  ASSERT_TRUE(repaired && repaired->has_value());
}

TEST_F(ProbeCacheTest, DefaultPathFollowsXdgThenHome) {
  const char* old_xdg = std::getenv("XDG_CACHE_HOME");
  const char* old_home = std::getenv("HOME");
  const std::string saved_xdg = old_xdg ? old_xdg : "", saved_home = old_home ? old_home : "";
  setenv("XDG_CACHE_HOME", "/tmp/xdg-test", 1);
  EXPECT_EQ(default_probe_cache_path(), "/tmp/xdg-test/hearth/probe.json");
  unsetenv("XDG_CACHE_HOME");
  setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(default_probe_cache_path(), "/home/someone/.cache/hearth/probe.json");
  if (old_xdg) setenv("XDG_CACHE_HOME", saved_xdg.c_str(), 1);
  if (old_home) setenv("HOME", saved_home.c_str(), 1); else unsetenv("HOME");
}

TEST_F(ProbeCacheTest, KeyNamesModelAndCores) {
  EXPECT_EQ(probe_cache_key("AMD EPYC", 2), "AMD EPYC x 2");
  EXPECT_NE(probe_cache_key("AMD EPYC", 2), probe_cache_key("AMD EPYC", 4));
}

}  // namespace
}  // namespace hearth::perf

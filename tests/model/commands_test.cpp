// End to end: `hearth eval`, `hearth embed` and `hearth verify` as a user runs them (skipped
// when the hearth binary has not been built).
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/evaluation.h"
#include "model_files.h"

namespace hearth {
namespace {

struct CommandRun {
  int status = -1;
  std::string out;  // stdout and stderr together
};

CommandRun run(const std::string& args) {
  CommandRun r;
  const std::string cmd = std::string(HEARTH_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

class Commands : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(HEARTH_BINARY)) GTEST_SKIP() << "hearth is not built";
  }
};

TEST_F(Commands, VerifyPassesAndFails) {
  const std::string model = testing::testdata("real/stories260K.gguf");
  CommandRun ok = run("verify " + model + " " + testing::testdata("real/stories260K.golden.json"));
  EXPECT_EQ(ok.status, 0) << ok.out;
  EXPECT_NE(ok.out.find("3/3 cases pass"), std::string::npos) << ok.out;
  // Another model's golden: same vocabulary size, different logits.
  CommandRun bad = run("verify " + testing::model_path("llama-spm-F16") + " " +
                testing::testdata("golden/llama-spm-Q2_K.json") + " --json");
  EXPECT_EQ(bad.status, 1) << bad.out;
  const auto j = nlohmann::json::parse(bad.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << bad.out;
  EXPECT_FALSE(j.at("pass").get<bool>());
  CommandRun missing = run("verify " + model + " /nonexistent/golden.json");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.out.find("/nonexistent/golden.json"), std::string::npos) << missing.out;
}

TEST_F(Commands, EvalJsonMatchesTheLibrary) {
  const std::string model = testing::model_path("qwen3-Q8_0");
  CommandRun r = run("eval " + model + " --tokens \"1 2 3 4 5\" --greedy 3 --top 4 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  auto m = Model::load(model);
  ASSERT_TRUE(m.is_ok());
  EvalOptions o;
  o.n_greedy = 3;
  o.top_k = 4;
  const std::vector<TokenId> tokens = {1, 2, 3, 4, 5};
  auto ref = evaluate_tokens(**m, tokens, o);
  ASSERT_TRUE(ref.is_ok());
  EXPECT_EQ(j.at("tokens").get<std::vector<TokenId>>(), tokens);
  EXPECT_EQ(j.at("greedy").get<std::vector<TokenId>>(), ref->greedy);
  ASSERT_EQ(j.at("positions").size(), 5u);
  EXPECT_EQ(j.at("positions")[4].at("top").size(), 4u);
  EXPECT_EQ(j.at("positions")[4].at("argmax").get<TokenId>(), ref->positions[4].argmax);
  EXPECT_EQ(j.at("last_logits").get<std::vector<float>>(), ref->last_logits);
  EXPECT_EQ(j.at("greedy_top2_logits").size(), 3u);
}

TEST_F(Commands, EvalPromptAndErrors) {
  const std::string model = testing::model_path("llama-spm-Q8_0");
  CommandRun r = run("eval " + model + " --prompt \"Hello world\" --greedy 2 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j.at("tokens")[0].get<TokenId>(), 1);  // BOS added
  EXPECT_EQ(run("eval " + model).status, 1);       // neither --tokens nor --prompt
  CommandRun bad = run("eval " + model + " --tokens \"1 99999\"");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.out.find("99999"), std::string::npos) << bad.out;
  EXPECT_EQ(run("eval /nonexistent.gguf --tokens 1").status, 1);
  EXPECT_EQ(run("eval --help").status, 0);
}

TEST_F(Commands, Embed) {
  CommandRun r = run("embed " + testing::model_path("bert-Q8_0") + " --prompt \"hello world\" --json");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  const auto e = j.at("embedding").get<std::vector<double>>();
  ASSERT_EQ(e.size(), 256u);
  double norm = 0.0;
  for (double v : e) norm += v * v;
  EXPECT_NEAR(norm, 1.0, 1e-5);
  EXPECT_EQ(run("embed " + testing::model_path("qwen3-F16") + " --prompt hi").status, 1);
}

}  // namespace
}  // namespace hearth

// The bench loop's mechanics (call counts, errors, token choice) and a short real run on a
// reference model. Nothing here asserts a speed.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "model/model.h"
#include "perf/bench_runner.h"

namespace hearth::perf {
namespace {

BenchOptions options_of(int32_t n_prompt, int32_t n_gen, int reps) {
  BenchOptions o;
  o.n_prompt = n_prompt;
  o.n_gen = n_gen;
  o.reps = reps;
  return o;
}

std::string model_path(const std::string& stem) { return std::string(HEARTH_TESTDATA) + "/models/" + stem + ".gguf"; }

TEST(TimeRepeated, RunsWarmupsThenTimedRuns) {
  int setups = 0, bodies = 0;
  auto t = time_repeated(
      3, 1,
      [&] {
        ++setups;
        return Status::ok();
      },
      [&] {
        ++bodies;
        return Status::ok();
      });
  ASSERT_TRUE(t) << t.message();
  EXPECT_EQ(t->size(), 3u);  // the warm-up is not reported
  EXPECT_EQ(setups, 4);
  EXPECT_EQ(bodies, 4);
  for (double s : *t) EXPECT_GE(s, 0.0);
}

TEST(TimeRepeated, StopsAtTheFirstError) {
  int bodies = 0;
  auto t = time_repeated(
      5, 1, [] { return Status::ok(); },
      [&] {
        return ++bodies == 2 ? Status::error("context overflow") : Status::ok();
      });
  ASSERT_FALSE(t);
  EXPECT_EQ(t.message(), "context overflow");
  EXPECT_EQ(bodies, 2);
}

TEST(RandomTokens, ValidIdsFromASeed) {
  const auto a = random_tokens(1000, 50, 7, 42);
  ASSERT_EQ(a.size(), 1000u);
  EXPECT_EQ(a[0], 7);
  std::set<TokenId> distinct(a.begin(), a.end());
  for (TokenId id : a) {
    EXPECT_GE(id, 0);
    EXPECT_LT(id, 50);
  }
  EXPECT_GT(distinct.size(), 40u);  // spread over the vocabulary, not one id
  EXPECT_EQ(random_tokens(1000, 50, 7, 42), a);
  EXPECT_NE(random_tokens(1000, 50, 7, 43), a);
  EXPECT_NE(random_tokens(10, 50, -1, 42)[0], -1);  // no BOS: the first is random too
  EXPECT_TRUE(random_tokens(0, 50, 7, 42).empty());
}

TEST(RunBench, ShortRunOnAReferenceModel) {
  auto model = Model::load(model_path("qwen3moe-Q8_0"));
  ASSERT_TRUE(model) << model.message();
  BenchOptions o;
  o.n_prompt = 16;
  o.n_gen = 4;
  o.reps = 2;
  std::vector<std::string> lines;
  o.progress = [&](std::string_view l) { lines.emplace_back(l); };
  auto r = run_bench(**model, o);
  ASSERT_TRUE(r) << r.message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].test, "pp16");
  EXPECT_EQ((*r)[0].kind, BenchKind::kPrompt);
  EXPECT_EQ((*r)[0].n_tokens, 16);
  EXPECT_EQ((*r)[1].test, "tg4");
  EXPECT_EQ((*r)[1].kind, BenchKind::kGenerate);
  for (const auto& s : *r) {
    EXPECT_EQ(s.seconds.size(), 2u);
    EXPECT_EQ(s.tokens_per_s.n, 2u);
    EXPECT_GT(s.tokens_per_s.mean, 0.0);
  }
  EXPECT_EQ(lines.size(), 2u);

  o.n_prompt = 0;  // tg only
  auto tg_only = run_bench(**model, o);
  ASSERT_TRUE(tg_only) << tg_only.message();
  ASSERT_EQ(tg_only->size(), 1u);
  EXPECT_EQ((*tg_only)[0].test, "tg4");
}

TEST(RunBench, RejectsEncodersAndBadOptions) {
  auto bert = Model::load(model_path("bert-Q8_0"));
  ASSERT_TRUE(bert) << bert.message();
  auto r = run_bench(**bert, options_of(8, 2, 1));
  ASSERT_FALSE(r);
  EXPECT_NE(r.message().find("encoder"), std::string::npos) << r.message();

  auto model = Model::load(model_path("llama-spm-Q4_0"));
  ASSERT_TRUE(model) << model.message();
  EXPECT_FALSE(run_bench(**model, options_of(-1, 2, 1)));
  EXPECT_FALSE(run_bench(**model, options_of(8, 2, 0)));
  EXPECT_FALSE(run_bench(**model, options_of(0, 0, 1)));
}

}  // namespace
}  // namespace hearth::perf

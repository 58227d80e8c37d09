// Sampler chain: each stage's effect on hand-made distributions, and the seeded draw.
#include "sampling/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace hearth::sampling {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Only the stage under test on: plain softmax sampling otherwise.
SamplingParams plain(uint32_t seed = 1) {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.seed = seed;
  return p;
}

std::vector<int> histogram(Sampler& s, const std::vector<float>& logits, int draws) {
  std::vector<int> counts(logits.size());
  for (int i = 0; i < draws; ++i) {
    const TokenId t = s.sample(logits);
    EXPECT_GE(t, 0);
    EXPECT_LT(t, static_cast<TokenId>(logits.size()));
    if (t >= 0 && t < static_cast<TokenId>(logits.size())) ++counts[static_cast<size_t>(t)];
  }
  return counts;
}

std::vector<TokenId> ids(const std::vector<Candidate>& c) {
  std::vector<TokenId> out;
  for (const auto& x : c) out.push_back(x.id);
  return out;
}

TEST(Greedy, PicksArgmaxAndLowestIdOnTies) {
  SamplingParams p = plain();
  p.temperature = 0.0f;
  Sampler s(p);
  EXPECT_EQ(s.sample(std::vector<float>{0.1f, 3.0f, -2.0f, 2.9f}), 1);
  EXPECT_EQ(s.sample(std::vector<float>{1.0f, 5.0f, 5.0f, 5.0f}), 1);
  EXPECT_EQ(s.sample(std::vector<float>{NAN, -1.0f, NAN, -0.5f}), 3);
  p.temperature = -1.0f;
  Sampler negative(p);
  EXPECT_EQ(negative.sample(std::vector<float>{-kInf, -kInf, -kInf}), 0);
}

TEST(TopK, TwoNeverPicksTheThird) {
  SamplingParams p = plain(123);
  p.top_k = 2;
  Sampler s(p);
  // The third token is close behind: without top-k it would be drawn about 30% of the time.
  const auto counts = histogram(s, {2.0f, 1.0f, 1.9f, -1.0f}, 1000);
  EXPECT_EQ(counts[1], 0);
  EXPECT_EQ(counts[3], 0);
  EXPECT_GT(counts[0], 300);
  EXPECT_GT(counts[2], 300);
}

TEST(TopK, KeepsTheBestSorted) {
  std::vector<Candidate> c;
  fill_candidates(std::vector<float>{0.5f, 2.0f, 2.0f, -1.0f, 3.0f}, c);
  keep_top_k(c, 3);
  EXPECT_EQ(ids(c), (std::vector<TokenId>{4, 1, 2}));
  keep_top_k(c, 0);
  EXPECT_EQ(c.size(), 3u);
}

TEST(TopP, KeepsTheShortestPrefixReachingP) {
  const std::vector<float> logits = {std::log(0.3f), std::log(0.05f), std::log(0.5f),
                                     std::log(0.15f)};
  std::vector<Candidate> c;
  fill_candidates(logits, c);
  keep_top_p(c, 0.75f);  // 0.5 < 0.75 <= 0.5 + 0.3
  EXPECT_EQ(ids(c), (std::vector<TokenId>{2, 0}));
  fill_candidates(logits, c);
  keep_top_p(c, 0.85f);
  EXPECT_EQ(ids(c), (std::vector<TokenId>{2, 0, 3}));
  fill_candidates(logits, c);
  keep_top_p(c, 0.0f);  // always at least one
  EXPECT_EQ(ids(c), (std::vector<TokenId>{2}));
  fill_candidates(logits, c);
  keep_top_p(c, 1.0f);
  EXPECT_EQ(c.size(), 4u);
}

TEST(TopP, LargeFlatVocabularyNeedsMoreThanOneSortWindow) {
  std::vector<Candidate> c;
  fill_candidates(std::vector<float>(5000, 0.25f), c);
  keep_top_p(c, 0.501f);  // 2505 of 5000 equal tokens reach 0.501
  ASSERT_EQ(c.size(), 2505u);
  for (size_t i = 0; i < c.size(); ++i) ASSERT_EQ(c[i].id, static_cast<TokenId>(i));
}

TEST(MinP, DropsTokensBelowTheThreshold) {
  // Probabilities relative to the best: 1, 0.2, 0.09, 0.5.
  const std::vector<float> logits = {0.0f, std::log(0.2f), std::log(0.09f), std::log(0.5f)};
  std::vector<Candidate> c;
  fill_candidates(logits, c);
  keep_min_p(c, 0.1f);
  EXPECT_EQ(ids(c), (std::vector<TokenId>{0, 1, 3}));
  fill_candidates(logits, c);
  keep_min_p(c, 0.3f);
  EXPECT_EQ(ids(c), (std::vector<TokenId>{0, 3}));

  SamplingParams p = plain(5);
  p.min_p = 0.1f;
  Sampler s(p);
  const auto counts = histogram(s, logits, 1000);
  EXPECT_EQ(counts[2], 0);
  EXPECT_GT(counts[1], 0);
}

TEST(Penalties, FollowLlamaCppSemantics) {
  // n_vocab 6; token 3 seen twice, 5 once, 1 once (logit 0), 100 is outside the vocabulary.
  std::vector<float> logits = {1.0f, 0.0f, 4.0f, 2.0f, 7.0f, -1.0f};
  const std::vector<TokenId> recent = {3, 5, 3, 100, 1};
  apply_penalties(logits, recent, /*repeat=*/2.0f, /*presence=*/0.25f, /*frequency=*/0.5f);
  EXPECT_FLOAT_EQ(logits[0], 1.0f);
  EXPECT_FLOAT_EQ(logits[1], 0.0f * 2.0f - 0.5f - 0.25f);
  EXPECT_FLOAT_EQ(logits[2], 4.0f);
  EXPECT_FLOAT_EQ(logits[3], 2.0f / 2.0f - 2 * 0.5f - 0.25f);  // positive: divided
  EXPECT_FLOAT_EQ(logits[4], 7.0f);
  EXPECT_FLOAT_EQ(logits[5], -1.0f * 2.0f - 0.5f - 0.25f);      // negative: multiplied
}

TEST(Penalties, OnlyTheLastNTokensCount) {
  SamplingParams p = plain();
  p.temperature = 0.0f;
  p.repeat_penalty = 4.0f;
  p.penalty_last_n = 2;
  Sampler s(p);
  s.accept(std::vector<TokenId>{0, 1, 2});
  EXPECT_EQ(std::vector<TokenId>(s.penalty_window().begin(), s.penalty_window().end()),
            (std::vector<TokenId>{1, 2}));
  // Token 0 left the window, so it is not penalised and wins; token 2 (2.0 / 4) loses.
  EXPECT_EQ(s.sample(std::vector<float>{1.5f, 1.0f, 2.0f}), 0);
  s.accept(0);
  s.accept(1);  // window {0, 1}: now token 2 wins
  EXPECT_EQ(s.sample(std::vector<float>{1.5f, 1.0f, 2.0f}), 2);
  for (int i = 0; i < 500; ++i) s.accept(i % 3);  // the history stays bounded
  EXPECT_EQ(s.penalty_window().size(), 2u);
  s.reset();
  EXPECT_TRUE(s.penalty_window().empty());
}

TEST(Temperature, SharpensAndFlattens) {
  const std::vector<float> logits = {1.0f, 0.0f};
  SamplingParams p = plain(9);
  p.temperature = 0.1f;  // p(0) = 1 / (1 + e^-10)
  Sampler cold(p);
  EXPECT_GT(histogram(cold, logits, 1000)[0], 990);
  p.temperature = 1.0f;  // p(0) = 0.731
  Sampler warm(p);
  const int warm0 = histogram(warm, logits, 2000)[0];
  EXPECT_GT(warm0, 1350);
  EXPECT_LT(warm0, 1580);
  p.temperature = 100.0f;  // nearly uniform
  Sampler hot(p);
  const int hot0 = histogram(hot, logits, 2000)[0];
  EXPECT_GT(hot0, 900);
  EXPECT_LT(hot0, 1120);
}

TEST(Draw, FrequenciesFollowTheSoftmax) {
  Sampler s(plain(77));
  const std::vector<float> logits = {std::log(0.5f), std::log(0.3f), std::log(0.2f), -kInf};
  const auto counts = histogram(s, logits, 20000);
  EXPECT_NEAR(counts[0] / 20000.0, 0.5, 0.02);
  EXPECT_NEAR(counts[1] / 20000.0, 0.3, 0.02);
  EXPECT_NEAR(counts[2] / 20000.0, 0.2, 0.02);
  EXPECT_EQ(counts[3], 0);
}

TEST(Seed, SameSeedSameTokensAndResetReplays) {
  const std::vector<float> logits = {0.1f, 0.2f, 0.3f, 0.0f, -0.1f, 0.25f};
  SamplingParams p;  // defaults: top-k, top-p, min-p and temperature all on
  p.seed = 2024;
  Sampler a(p), b(p);
  std::vector<TokenId> first, second, replay;
  for (int i = 0; i < 200; ++i) {
    first.push_back(a.sample(logits));
    second.push_back(b.sample(logits));
  }
  EXPECT_EQ(first, second);
  a.reset();
  for (int i = 0; i < 200; ++i) replay.push_back(a.sample(logits));
  EXPECT_EQ(first, replay);
  p.seed = 2025;
  Sampler c(p);
  std::vector<TokenId> other;
  for (int i = 0; i < 200; ++i) other.push_back(c.sample(logits));
  EXPECT_NE(first, other);
}

TEST(Seed, RandomSeedIsResolvedOnce) {
  Sampler s(SamplingParams{});
  SamplingParams same = plain(s.seed());
  same.top_k = 40;
  same.top_p = 0.95f;
  same.min_p = 0.05f;
  same.temperature = 0.8f;
  Sampler t(same);
  const std::vector<float> logits = {0.0f, 0.1f, 0.2f, 0.3f};
  for (int i = 0; i < 50; ++i) EXPECT_EQ(s.sample(logits), t.sample(logits));
}

TEST(Validate, RejectsOutOfRangeParams) {
  EXPECT_TRUE(validate_params(SamplingParams{}).is_ok());
  auto rejected = [](auto mutate, const char* field) {
    SamplingParams p;
    mutate(p);
    const Status s = validate_params(p);
    EXPECT_FALSE(s.is_ok()) << field;
    EXPECT_NE(s.message().find(field), std::string::npos) << s.message();
  };
  rejected([](SamplingParams& p) { p.temperature = NAN; }, "temperature");
  rejected([](SamplingParams& p) { p.top_p = 1.5f; }, "top_p");
  rejected([](SamplingParams& p) { p.min_p = -0.1f; }, "min_p");
  rejected([](SamplingParams& p) { p.repeat_penalty = 0.0f; }, "repeat_penalty");
  rejected([](SamplingParams& p) { p.presence_penalty = kInf; }, "presence_penalty");
  rejected([](SamplingParams& p) { p.frequency_penalty = NAN; }, "frequency_penalty");
  rejected([](SamplingParams& p) { p.penalty_last_n = -2; }, "penalty_last_n");
}

TEST(Robustness, DegenerateLogitsStillGiveAValidToken) {
  Sampler s(plain(3));
  EXPECT_EQ(s.sample(std::vector<float>{-kInf, -kInf, -kInf}), 0);
  EXPECT_EQ(s.sample(std::vector<float>{NAN, NAN, 1.0f}), 2);
  EXPECT_EQ(s.sample(std::vector<float>{5.0f}), 0);
}

}  // namespace
}  // namespace hearth::sampling

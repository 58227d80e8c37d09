// Context::eval_batch: several sequences through one forward pass give each sequence the logits
// it gets alone (bit-identical: the kernels are batch-invariant), whatever
// their lengths, positions, shared prefix blocks and how the batch is split into passes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "kernels/kernel_table.h"
#include "model/kv_block_pool.h"
#include "model/kv_cache.h"
#include "model/model.h"
#include "model_files.h"

namespace hearth {
namespace {

using testing::load_model;

// Deterministic, varied token ids in the vocabulary.
std::vector<TokenId> tokens(int32_t n, int32_t seed, int32_t n_vocab) {
  std::vector<TokenId> t(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) {
    t[static_cast<size_t>(i)] = static_cast<TokenId>((seed * 7919 + i * 104729 + 17) % n_vocab);
  }
  return t;
}

// Logits of every token of `t`, evaluated alone in one call on a private cache.
std::vector<std::vector<float>> alone(const Model& m, const std::vector<TokenId>& t) {
  Context ctx(m, static_cast<int32_t>(t.size()));
  EXPECT_TRUE(ctx.eval(t, /*all_logits=*/true).is_ok());
  std::vector<std::vector<float>> rows;
  for (size_t i = 0; i < t.size(); ++i) {
    auto l = ctx.logits(static_cast<int32_t>(i));
    rows.emplace_back(l.begin(), l.end());
  }
  return rows;
}

double max_diff(std::span<const float> a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double d = a.size() == b.size() ? 0.0 : INFINITY;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    d = std::max(d, static_cast<double>(std::abs(a[i] - b[i])));
  }
  return d;
}

// Selects an ISA for the test's lifetime (skips where the CPU lacks it).
class IsaScope {
 public:
  explicit IsaScope(const char* isa) : before_(kernels::isa_name()) {
    available_ = kernels::kernels_for_isa(isa) != nullptr && kernels::set_isa(isa).is_ok();
  }
  ~IsaScope() { EXPECT_TRUE(kernels::set_isa(before_).is_ok()); }
  bool available() const { return available_; }

 private:
  std::string before_;
  bool available_ = false;
};

// Four sequences on one shared pool, run in mixed batches: a prompt chunk with a decode token,
// a prefix reused from a published block, all-logits and last-token-only items, then four
// single decode tokens. Every logit row must equal, bit for bit, the sequence evaluated alone.
void check_batches_match_alone(const std::string& stem) {
  auto model = load_model(stem);
  ASSERT_TRUE(model);
  const int32_t n_vocab = model->tokenizer().n_vocab();
  constexpr int32_t kCtx = 96;
  std::vector<TokenId> s0 = tokens(40, 1, n_vocab);
  std::vector<TokenId> s1 = tokens(8, 2, n_vocab);
  std::vector<TokenId> s2(s0.begin(), s0.begin() + 35);  // shares s0's first two blocks
  for (TokenId t : tokens(17, 3, n_vocab)) s2.push_back(t);
  std::vector<TokenId> s3 = tokens(21, 4, n_vocab);
  const std::vector<std::vector<TokenId>> seqs = {s0, s1, s2, s3};
  std::vector<std::vector<std::vector<float>>> expected;
  for (const auto& s : seqs) expected.push_back(alone(*model, s));

  auto pool = std::make_shared<KvBlockPool>(model->config(), KvBlockPool::blocks_for(kCtx, 4));
  std::vector<std::unique_ptr<Context>> ctx;
  for (int i = 0; i < 4; ++i) ctx.push_back(std::make_unique<Context>(*model, kCtx, pool));
  const auto span = [&](int s, int32_t from, int32_t to) {
    return std::span<const TokenId>(seqs[s]).subspan(static_cast<size_t>(from),
                                                     static_cast<size_t>(to - from));
  };
  // Compares item logits with the rows alone: all of them, or the last one.
  const auto check = [&](int s, const ContextBatch& b, int32_t first_pos) {
    ASSERT_TRUE(b.status.is_ok()) << b.status.message();
    const int32_t n = static_cast<int32_t>(b.tokens.size());
    EXPECT_EQ(ctx[s]->n_past(), first_pos + n);
    for (int32_t i = b.all_logits ? 0 : n - 1; i < n; ++i) {
      const double d = max_diff(ctx[s]->logits(i), expected[s][first_pos + i]);
      EXPECT_EQ(d, 0.0) << stem << ": sequence " << s << " position " << first_pos + i;
    }
  };

  // Pass 1: s0's prompt (last logits only) with the start of s1 (all logits).
  std::vector<ContextBatch> b1 = {{ctx[0].get(), span(0, 0, 37), false, {}},
                                  {ctx[1].get(), span(1, 0, 5), true, {}}};
  ASSERT_TRUE(Context::eval_batch(b1).is_ok());
  check(0, b1[0], 0);
  check(1, b1[1], 0);
  // s2 starts from s0's two published blocks (32 positions).
  ctx[0]->publish_prefix(span(0, 0, 37));
  ASSERT_EQ(ctx[2]->reuse_prefix(seqs[2], 51), 32);

  // Pass 2: a decode token, a short chunk, a chunk after a reused prefix, a fresh prompt.
  std::vector<ContextBatch> b2 = {{ctx[0].get(), span(0, 37, 38), false, {}},
                                  {ctx[1].get(), span(1, 5, 7), true, {}},
                                  {ctx[2].get(), span(2, 32, 50), true, {}},
                                  {ctx[3].get(), span(3, 0, 20), false, {}}};
  ASSERT_TRUE(Context::eval_batch(b2).is_ok());
  check(0, b2[0], 37);
  check(1, b2[1], 5);
  check(2, b2[2], 32);
  check(3, b2[3], 0);

  // Pass 3: one decode token each, in another order.
  std::vector<ContextBatch> b3 = {{ctx[3].get(), span(3, 20, 21), false, {}},
                                  {ctx[2].get(), span(2, 50, 51), false, {}},
                                  {ctx[1].get(), span(1, 7, 8), false, {}},
                                  {ctx[0].get(), span(0, 38, 39), false, {}}};
  ASSERT_TRUE(Context::eval_batch(b3).is_ok());
  check(3, b3[0], 20);
  check(2, b3[1], 50);
  check(1, b3[2], 7);
  check(0, b3[3], 38);
}

// Both the exact ref kernels and the AVX2 ones compute each (row, token) of a product the same
// way whatever the batch, so batching must not change a single bit.
TEST(BatchForward, EachSequenceGetsItsOwnLogitsExactly) {
  for (const char* isa : {"ref", "avx2"}) {
    IsaScope scope(isa);
    if (!scope.available()) continue;
    for (const char* stem :
         {"llama-spm-Q4_K_M", "qwen3-Q8_0", "gemma3-Q4_K_M", "qwen3moe-Q8_0", "qwen2-F16"}) {
      SCOPED_TRACE(std::string(isa) + " " + stem);
      check_batches_match_alone(stem);
    }
  }
}

// More tokens than the first context's batch size: eval_batch runs several passes, splitting
// the long item, and still matches evaluation alone.
TEST(BatchForward, SplitsIntoPassesOfTheBatchSize) {
  IsaScope ref("ref");
  ASSERT_TRUE(ref.available());
  auto model = load_model("qwen3-Q8_0");
  ASSERT_TRUE(model);
  const int32_t n_vocab = model->tokenizer().n_vocab();
  const std::vector<TokenId> a = tokens(30, 5, n_vocab), b = tokens(45, 6, n_vocab);
  const auto ea = alone(*model, a), eb = alone(*model, b);
  Context small(*model, 32);  // batch size 32: the runner
  Context big(*model, 64);
  std::vector<ContextBatch> batch = {{&small, a, false, {}}, {&big, b, true, {}}};
  ASSERT_TRUE(Context::eval_batch(batch).is_ok());
  ASSERT_TRUE(batch[0].status.is_ok()) << batch[0].status.message();
  ASSERT_TRUE(batch[1].status.is_ok()) << batch[1].status.message();
  EXPECT_EQ(max_diff(small.logits(), ea.back()), 0.0);
  for (int32_t i = 0; i < 45; ++i) EXPECT_EQ(max_diff(big.logits(i), eb[i]), 0.0) << i;
  EXPECT_EQ(small.n_past(), 30);
  EXPECT_EQ(big.n_past(), 45);
}

TEST(BatchForward, OneSequencesErrorLeavesTheOthersRunning) {
  auto model = load_model("qwen3-Q8_0");
  ASSERT_TRUE(model);
  const int32_t n_vocab = model->tokenizer().n_vocab();
  const std::vector<TokenId> good = tokens(6, 7, n_vocab);
  const std::vector<TokenId> too_long = tokens(20, 8, n_vocab);
  const std::vector<TokenId> bad_id = {1, n_vocab + 3};
  Context c0(*model, 64), c1(*model, 16), c2(*model, 64);
  std::vector<ContextBatch> batch = {
      {&c1, too_long, false, {}}, {&c0, good, false, {}}, {&c2, bad_id, false, {}}};
  ASSERT_TRUE(Context::eval_batch(batch).is_ok());
  EXPECT_NE(batch[0].status.message().find("context overflow"), std::string::npos)
      << batch[0].status.message();
  EXPECT_NE(batch[2].status.message().find("out of range"), std::string::npos)
      << batch[2].status.message();
  ASSERT_TRUE(batch[1].status.is_ok()) << batch[1].status.message();
  EXPECT_EQ(c0.n_past(), 6);
  EXPECT_EQ(c1.n_past(), 0);
  EXPECT_EQ(c2.n_past(), 0);
  Context ref(*model, 64);
  ASSERT_TRUE(ref.eval(good).is_ok());
  EXPECT_EQ(max_diff(c0.logits(), {ref.logits().begin(), ref.logits().end()}), 0.0);
}

TEST(BatchForward, RefusesMisuse) {
  auto model = load_model("qwen3-Q8_0");
  auto other = load_model("llama-spm-Q4_K_M");
  ASSERT_TRUE(model && other);
  const std::vector<TokenId> t = {1, 2, 3};
  Context a(*model, 16), b(*other, 16);
  std::vector<ContextBatch> twice = {{&a, t, false, {}}, {&a, t, false, {}}};
  EXPECT_FALSE(Context::eval_batch(twice).is_ok());
  std::vector<ContextBatch> mixed = {{&a, t, false, {}}, {&b, t, false, {}}};
  EXPECT_FALSE(Context::eval_batch(mixed).is_ok());
  std::vector<ContextBatch> none = {{nullptr, t, false, {}}};
  EXPECT_FALSE(Context::eval_batch(none).is_ok());
  EXPECT_EQ(a.n_past(), 0);
  EXPECT_TRUE(Context::eval_batch({}).is_ok());
}

}  // namespace
}  // namespace hearth

// Context: the KV cache makes evaluation in pieces equal evaluation at once; errors for misuse.
#include <cmath>
#include <numeric>

#include <gtest/gtest.h>

#include "model/golden.h"
#include "model/model.h"
#include "model_files.h"

namespace hearth {
namespace {

using testing::load_model;

// The prompt of a golden case (real tokens, so attention patterns are realistic).
std::vector<TokenId> golden_tokens(const std::string& stem, size_t index) {
  auto g = load_golden(testing::testdata("golden/" + stem + ".json"));
  EXPECT_TRUE(g.is_ok()) << g.message();
  return g->cases.at(index).tokens;
}

// Logits of every token, evaluated in calls of the given sizes.
std::vector<std::vector<float>> logits_in_pieces(const Model& model, std::span<const TokenId> t,
                                                 const std::vector<size_t>& pieces,
                                                 bool reference_batching) {
  Context ctx(model, static_cast<int32_t>(t.size()));
  ctx.set_reference_batching(reference_batching);
  std::vector<std::vector<float>> rows;
  size_t at = 0;
  for (size_t n : pieces) {
    const Status st = ctx.eval(t.subspan(at, n), /*all_logits=*/true);
    EXPECT_TRUE(st.is_ok()) << st.message();
    for (size_t i = 0; i < n; ++i) {
      std::span<const float> l = ctx.logits(static_cast<int32_t>(i));
      rows.emplace_back(l.begin(), l.end());
    }
    at += n;
  }
  EXPECT_EQ(at, t.size());
  EXPECT_EQ(ctx.n_past(), static_cast<int32_t>(t.size()));
  return rows;
}

double max_diff(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b) {
  double d = 0.0;
  EXPECT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    EXPECT_EQ(a[i].size(), b[i].size());
    for (size_t j = 0; j < a[i].size() && j < b[i].size(); ++j) {
      d = std::max(d, static_cast<double>(std::abs(a[i][j] - b[i][j])));
    }
  }
  return d;
}

// Evaluation in pieces equals one call. The bound is far below what a wrong cache position,
// mask or rope offset gives (whole logits), and leaves room only for summation order.
constexpr double kSame = 1e-4;

TEST(Context, PiecesEqualOneCall) {
  // gemma3: sliding-window layers (window 64) with a 98-token prompt; qwen3moe: routed experts;
  // llama-bpe: rope frequency factors.
  for (const char* stem : {"gemma3-F16", "qwen3moe-Q8_0", "llama-bpe-Q4_K_M"}) {
    SCOPED_TRACE(stem);
    auto model = load_model(stem);
    ASSERT_TRUE(model);
    const std::vector<TokenId> t = golden_tokens(stem, 1);
    ASSERT_GT(t.size(), 80u);
    const auto once = logits_in_pieces(*model, t, {t.size()}, false);
    std::vector<size_t> pieces = {1, 7, 33};
    pieces.push_back(t.size() - 41);
    EXPECT_LE(max_diff(once, logits_in_pieces(*model, t, pieces, false)), kSame);
    std::vector<size_t> ones(t.size(), 1);
    EXPECT_LE(max_diff(once, logits_in_pieces(*model, t, ones, false)), kSame);
  }
}

TEST(Context, ReferenceBatchingIsExactWithinEachOrder) {
  auto model = load_model("qwen2-Q8_0");
  ASSERT_TRUE(model);
  std::vector<TokenId> t = golden_tokens("qwen2-Q8_0", 1);  // 91 tokens
  t.insert(t.end(), t.begin(), t.end());                     // 182: two tiled halves
  const auto once = logits_in_pieces(*model, t, {t.size()}, true);
  EXPECT_LE(max_diff(once, logits_in_pieces(*model, t, {64, 118}, true)), kSame);
  const std::vector<TokenId> head(t.begin(), t.begin() + 60);
  EXPECT_LE(max_diff(logits_in_pieces(*model, head, {60}, true),
                     logits_in_pieces(*model, head, {20, 1, 39}, true)),
            kSame);
}

TEST(Context, ResetStartsOver) {
  auto model = load_model("llama-spm-Q4_0");
  ASSERT_TRUE(model);
  const std::vector<TokenId> t = golden_tokens("llama-spm-Q4_0", 0);
  Context ctx(*model, 64);
  ASSERT_TRUE(ctx.eval(t).is_ok());
  const std::vector<float> first(ctx.logits().begin(), ctx.logits().end());
  ctx.reset();
  EXPECT_EQ(ctx.n_past(), 0);
  ASSERT_TRUE(ctx.eval(t).is_ok());
  EXPECT_EQ(first, std::vector<float>(ctx.logits().begin(), ctx.logits().end()));
  // Without all_logits only the last row is kept.
  EXPECT_TRUE(ctx.logits(0).empty());
  EXPECT_EQ(ctx.logits(static_cast<int32_t>(t.size()) - 1).size(), first.size());
}

TEST(Context, TruncateKeepsThePrefix) {
  auto model = load_model("qwen3-Q8_0");
  ASSERT_TRUE(model);
  const std::vector<TokenId> t = golden_tokens("qwen3-Q8_0", 0);
  const std::span<const TokenId> all(t);
  Context ctx(*model, 64);
  ASSERT_TRUE(ctx.eval(all).is_ok());
  const std::vector<float> want(ctx.logits().begin(), ctx.logits().end());
  // Replace the second half with other tokens, then go back to the original.
  ctx.truncate(10);
  EXPECT_EQ(ctx.n_past(), 10);
  ASSERT_TRUE(ctx.eval(std::vector<TokenId>(5, 7)).is_ok());
  ctx.truncate(10);
  ASSERT_TRUE(ctx.eval(all.subspan(10)).is_ok());
  std::span<const float> got = ctx.logits();
  double d = 0.0;
  for (size_t i = 0; i < want.size(); ++i) {
    d = std::max(d, static_cast<double>(std::abs(got[i] - want[i])));
  }
  EXPECT_LE(d, kSame);
  ctx.truncate(1000);
  EXPECT_EQ(ctx.n_past(), static_cast<int32_t>(t.size()));
}

TEST(Context, Errors) {
  auto model = load_model("llama-spm-Q8_0");
  ASSERT_TRUE(model);
  Context ctx(*model, 8);
  const std::vector<TokenId> nine(9, 5);
  Status st = ctx.eval(nine);
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("context overflow"), std::string::npos) << st.message();
  EXPECT_EQ(ctx.n_past(), 0);

  const std::vector<TokenId> bad = {1, 512};
  st = ctx.eval(bad);
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("token id 512"), std::string::npos) << st.message();
  EXPECT_EQ(ctx.n_past(), 0);  // nothing was appended

  EXPECT_FALSE(ctx.eval({}).is_ok());
  auto emb = ctx.embed(std::vector<TokenId>{1, 2});
  EXPECT_FALSE(emb.is_ok());
  EXPECT_NE(emb.message().find("pooling"), std::string::npos) << emb.message();
}

TEST(Context, EncoderEmbeds) {
  auto model = load_model("bert-F16");
  ASSERT_TRUE(model);
  Context ctx(*model, 0);
  EXPECT_EQ(ctx.n_ctx(), 512);
  const std::vector<TokenId> t = golden_tokens("bert-F16", 0);
  auto a = ctx.embed(t);
  ASSERT_TRUE(a.is_ok()) << a.message();
  double norm = 0.0;
  for (float v : *a) norm += static_cast<double>(v) * v;
  EXPECT_NEAR(norm, 1.0, 1e-5);
  auto b = ctx.embed(t);  // independent of earlier calls
  ASSERT_TRUE(b.is_ok());
  EXPECT_EQ(*a, *b);
  EXPECT_FALSE(ctx.eval(t).is_ok());  // no logits from an encoder
  const std::vector<TokenId> too_long(600, 5);
  EXPECT_FALSE(ctx.embed(too_long).is_ok());
}

}  // namespace
}  // namespace hearth

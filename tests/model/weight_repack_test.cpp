// Weights repacked at load (model/weight_repack.h): the matrices the kernels read interleaved
// are repacked, lookups still read the right embedding rows, and the logits match the
// zero-copy model's (HEARTH_REPACK=0). Each product agrees to ~1e-7 (the order of f32 sums),
// but an activation that lands on the other side of a Q8 rounding step moves the next layer by
// a step: the logits of these small random models then differ by up to ~0.1 (a wrong layout
// moves them by whole units; the goldens allow 0.4).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "kernels/kernel_table.h"
#include "model/model.h"
#include "model/weights.h"
#include "model_files.h"

namespace hearth {
namespace {

std::unique_ptr<Model> load(const std::string& stem, bool repack) {
  if (repack) {
    unsetenv("HEARTH_REPACK");
  } else {
    setenv("HEARTH_REPACK", "0", 1);
  }
  auto m = testing::load_model(stem);
  unsetenv("HEARTH_REPACK");
  return m;
}

std::vector<float> logits(const Model& m, const std::vector<TokenId>& t) {
  Context ctx(m, 64);
  EXPECT_TRUE(ctx.eval(t, /*all_logits=*/true).is_ok());
  std::vector<float> out;
  for (size_t i = 0; i < t.size(); ++i) {
    auto l = ctx.logits(static_cast<int32_t>(i));
    out.insert(out.end(), l.begin(), l.end());
  }
  return out;
}

bool has_interleaved_kernels(DType t) {
  return kernels::active_kernels().find(t, kernels::WeightLayout::kInterleaved8) != nullptr;
}

TEST(WeightRepack, SameLogitsAsTheFileMapping) {
  for (const char* stem : {"llama-spm-Q4_K_M", "llama-spm-Q4_0", "llama-spm-Q8_0", "qwen3moe-Q4_K_M", "gemma3-Q4_K_M"}) {
    SCOPED_TRACE(stem);
    auto packed = load(stem, true), plain = load(stem, false);
    ASSERT_TRUE(packed && plain);
    const Weight& q = packed->weights().layers[0].attn_q;
    EXPECT_EQ(q.layout == kernels::WeightLayout::kInterleaved8, has_interleaved_kernels(q.dtype) && q.ne[1] % 8 == 0);
    EXPECT_EQ(plain->weights().layers[0].attn_q.layout, kernels::WeightLayout::kRows);
    const std::vector<TokenId> t = {1, 5, 9, 200, 3, 77, 12, 4};
    const std::vector<float> a = logits(*packed, t), b = logits(*plain, t);
    ASSERT_EQ(a.size(), b.size());
    double worst = 0;
    for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, static_cast<double>(std::fabs(a[i] - b[i])));
    EXPECT_LE(worst, 0.15);
  }
}

TEST(WeightRepack, OnlyTheSelectedKernelsTypes) {
  const std::string saved{kernels::isa_name()};
  ASSERT_TRUE(kernels::set_isa("ref").is_ok());
  auto m = load("llama-spm-Q4_K_M", true);
  ASSERT_TRUE(kernels::set_isa(saved).is_ok());
  ASSERT_TRUE(m);
  // The exact path has no interleaved kernels: nothing is repacked.
  EXPECT_EQ(m->weights().layers[0].attn_q.layout, kernels::WeightLayout::kRows);
  EXPECT_EQ(m->weights().output_proj().layout, kernels::WeightLayout::kRows);
}

}  // namespace
}  // namespace hearth

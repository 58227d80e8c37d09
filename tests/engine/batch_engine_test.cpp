// Engine with every slot busy: all streams share one batched forward pass per step, and each
// still produces exactly the tokens it produces alone.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine_test_util.h"
#include "kernels/kernel_table.h"

namespace hearth::engine {
namespace {

using testing::collect;
using testing::direct_generation;
using testing::first_event;
using testing::generate;
using testing::load_model;
using testing::make_engine;

const std::vector<std::string> kPrompts = {
    "The quick brown fox jumps over the lazy dog.",
    "Every morning the old sailor walked down to the harbor",
    "Order #4521: 3 items at $19.99 each",
    "The café on the corner serves naïve tourists",
    "Seven swans swam swiftly south",
    "A long time ago, in a galaxy far, far away, there lived a",
};

// Eight requests at once on eight slots, with a small step budget so that prompt chunks share
// steps with other streams' decode tokens: greedy and seeded sampling, different lengths (so
// streams finish at different steps), and two prompts that share a long prefix (the second
// arrives once the first is decoding, and reuses its blocks). Each must equal its own plain
// generation loop.
void check_eight_streams(const std::string& stem) {
  auto model = load_model(stem);
  ASSERT_TRUE(model);
  const auto encode = [&](const std::string& text) {
    return model->tokenizer().encode(text, true, true);
  };
  std::vector<Request> requests;
  for (size_t i = 0; i < kPrompts.size(); ++i) {
    const float temperature = i % 2 == 0 ? 0.0f : 0.9f;
    requests.push_back(generate(encode(kPrompts[i]), 10 + 3 * static_cast<int32_t>(i),
                                static_cast<uint32_t>(50 + i), temperature));
  }
  std::string shared_text;
  for (int i = 0; i < 3; ++i) shared_text += kPrompts[static_cast<size_t>(i)] + " ";
  requests.push_back(generate(encode(shared_text + "What next?"), 14, 7));
  requests.push_back(generate(encode(shared_text + "And then the sea"), 9, 8, 0.0f));
  ASSERT_EQ(requests.size(), 8u);

  constexpr int32_t kCtx = 256;
  auto engine = make_engine(model, {.n_parallel = 8, .n_ctx = kCtx, .step_tokens = 24});
  ASSERT_TRUE(engine);
  std::vector<std::shared_ptr<RequestHandle>> handles;
  Event seventh_first;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (i == 7) seventh_first = first_event(*handles[6]);
    auto sub = engine->submit(requests[i]);
    ASSERT_TRUE(sub.ok()) << sub.message;
    handles.push_back(sub.handle);
  }
  uint64_t generated = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    Event all = i == 6 ? seventh_first : Event{};
    all.merge(collect(*handles[i]));
    EXPECT_EQ(all.finish, FinishReason::kLength) << "request " << i;
    EXPECT_EQ(all.tokens, direct_generation(*model, requests[i], kCtx)) << "request " << i;
    generated += all.tokens.size();
  }
  EXPECT_EQ(engine->metrics().generated_tokens.load(), generated);
  EXPECT_EQ(engine->metrics().slots_busy.load(), 0);
  EXPECT_GT(engine->metrics().prompt_tokens_cached.load(), 0u);
}

TEST(EngineBatching, EightStreamsMatchEachAloneWithRefKernels) {
  const std::string before(kernels::isa_name());
  ASSERT_TRUE(kernels::set_isa("ref").is_ok());
  check_eight_streams("qwen3-Q8_0");
  check_eight_streams("llama-bpe-Q4_K_M");
  ASSERT_TRUE(kernels::set_isa(before).is_ok());
}

TEST(EngineBatching, EightStreamsMatchEachAloneWithTheDefaultKernels) {
  check_eight_streams("qwen3-Q8_0");
}

}  // namespace
}  // namespace hearth::engine

// The engine's shared KV block pool: prompt prefixes reused across requests and slots give the
// same tokens as evaluating everything, blocks come back the moment a request ends or is
// cancelled, and a small pool under pressure evicts cached blocks instead of failing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine_test_util.h"
#include "model/kv_block_pool.h"

namespace hearth::engine {
namespace {

using testing::collect;
using testing::direct_generation;
using testing::first_event;
using testing::generate;
using testing::load_model;
using testing::make_engine;

constexpr const char* kChatModel = "qwen3-Q8_0";

std::vector<TokenId> with_question(const Model& m, const std::string& system,
                                   const std::string& question) {
  std::vector<TokenId> p = m.tokenizer().encode(system, true, true);
  const auto q = m.tokenizer().encode(question, false, false);
  p.insert(p.end(), q.begin(), q.end());
  return p;
}

const char* kSystem =
    "You are a careful assistant for a shipping company. Answer briefly, cite the manual when "
    "you can, and never invent tracking numbers or delivery dates for customers.";

TEST(PrefixReuse, SharedSystemPromptAcrossSlotsGivesTheSameTokens) {
  auto model = load_model(kChatModel);
  ASSERT_TRUE(model);
  const int32_t n_ctx = 256;
  auto engine = make_engine(model, {.n_parallel = 3, .n_ctx = n_ctx});
  ASSERT_TRUE(engine);
  const size_t n_system = model->tokenizer().encode(kSystem, true, true).size();
  ASSERT_GE(n_system, static_cast<size_t>(2 * kKvBlockSize));

  // The first request fills the cache with the system prompt's blocks.
  Request warm = generate(with_question(*model, kSystem, " Where is my parcel?"), 6, 1);
  auto s0 = engine->submit(warm);
  ASSERT_TRUE(s0.ok());
  Event e0 = collect(*s0.handle);
  EXPECT_EQ(e0.usage.cached_tokens, 0);
  EXPECT_EQ(e0.tokens, direct_generation(*model, warm, n_ctx));

  // Three at once, in any slot: each reuses the system prompt's full blocks.
  const std::vector<std::string> questions = {" How heavy can a box be?", " Do you ship abroad?",
                                              " Where is my parcel?"};
  std::vector<Request> reqs;
  std::vector<std::shared_ptr<RequestHandle>> handles;
  for (size_t i = 0; i < questions.size(); ++i) {
    reqs.push_back(generate(with_question(*model, kSystem, questions[i]), 8,
                            static_cast<uint32_t>(10 + i)));
    auto s = engine->submit(reqs.back());
    ASSERT_TRUE(s.ok());
    handles.push_back(s.handle);
  }
  for (size_t i = 0; i < handles.size(); ++i) {
    Event e = collect(*handles[i]);
    EXPECT_GE(e.usage.cached_tokens, static_cast<int32_t>(n_system) / kKvBlockSize * kKvBlockSize)
        << "request " << i;
    EXPECT_LT(e.usage.cached_tokens, static_cast<int32_t>(reqs[i].prompt.size()));
    EXPECT_EQ(e.tokens, direct_generation(*model, reqs[i], n_ctx)) << "request " << i;
  }
  const KvBlockPool* pool = engine->kv_pool();
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->blocks_in_use(), 0);
  EXPECT_GT(pool->blocks_cached(), 0);
  EXPECT_EQ(pool->n_blocks(), KvBlockPool::blocks_for(n_ctx, 3));
}

TEST(PrefixReuse, CancellationReturnsTheBlocksAtOnce) {
  auto model = load_model(kChatModel);
  ASSERT_TRUE(model);
  auto engine = make_engine(model, {.n_parallel = 2, .n_ctx = 1024});
  ASSERT_TRUE(engine);
  const KvBlockPool* pool = engine->kv_pool();
  ASSERT_NE(pool, nullptr);
  auto a = engine->submit(generate(with_question(*model, kSystem, " Tell me a long story."), -1, 3));
  ASSERT_TRUE(a.ok());
  first_event(*a.handle);
  EXPECT_GT(pool->blocks_in_use(), 0);
  a.handle->cancel();
  Event ea = collect(*a.handle);
  EXPECT_EQ(ea.finish, FinishReason::kCancelled);
  // Seen as soon as the last event is: nothing is held any more.
  EXPECT_EQ(pool->blocks_in_use(), 0);
  EXPECT_EQ(pool->blocks_in_use() + pool->blocks_cached() + pool->blocks_free(), pool->n_blocks());
}

TEST(PrefixReuse, ASmallPoolEvictsCachedBlocksInsteadOfFailing) {
  auto model = load_model(kChatModel);
  ASSERT_TRUE(model);
  // One slot of 64 positions: four blocks. Each request here needs all four (a prompt of 45+
  // tokens and 12 generated), so every new prompt evicts the blocks the last one left cached.
  const int32_t n_ctx = 64;
  auto engine = make_engine(model, {.n_parallel = 1, .n_ctx = n_ctx});
  ASSERT_TRUE(engine);
  const std::vector<std::string> systems = {
      "The lighthouse keeper climbed the stairs every evening to light the great lamp above.",
      "A recipe for bread: flour, water, salt and yeast, kneaded well and left to rise overnight.",
      "The lighthouse keeper climbed the stairs every evening to light the great lamp above."};
  for (size_t i = 0; i < systems.size(); ++i) {
    Request r = generate(with_question(*model, systems[i], " Then"), 12, static_cast<uint32_t>(i));
    ASSERT_LT(r.prompt.size() + 12, static_cast<size_t>(n_ctx));
    ASSERT_GT(r.prompt.size() + 12, static_cast<size_t>(n_ctx - kKvBlockSize));
    auto s = engine->submit(r);
    ASSERT_TRUE(s.ok());
    Event e = collect(*s.handle);
    EXPECT_EQ(e.finish, FinishReason::kLength) << e.error;
    EXPECT_EQ(e.tokens, direct_generation(*model, r, n_ctx)) << "request " << i;
    // The third prompt repeats the first, whose blocks were evicted by the second.
    EXPECT_EQ(e.usage.cached_tokens, 0) << "request " << i << " prompt " << r.prompt.size();
  }
  EXPECT_EQ(engine->kv_pool()->blocks_in_use(), 0);
}

}  // namespace
}  // namespace hearth::engine

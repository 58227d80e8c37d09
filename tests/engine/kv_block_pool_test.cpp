// The KV block pool and the block-table cache: refcounts, the verified prefix index, LRU
// eviction, copy-on-write; and on a real model, that reusing cached blocks gives exactly the
// logits of a full evaluation.
#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <vector>

#include "engine_test_util.h"
#include "model/kv_block_pool.h"
#include "model/kv_cache.h"
#include "model/model.h"
#include "tensor/fp16.h"

namespace hearth {
namespace {

ModelConfig tiny_config() {
  ModelConfig c;
  c.n_layer = 2;
  c.n_head = 2;
  c.n_head_kv = 1;
  c.head_dim_k = 4;
  c.head_dim_v = 3;
  return c;
}

std::vector<TokenId> iota_tokens(size_t n, TokenId first) {
  std::vector<TokenId> t(n);
  std::iota(t.begin(), t.end(), first);
  return t;
}

// Fills positions [pos0, pos0+n) of every layer with keys = value, values = -value.
void fill(KvCache& kv, const ModelConfig& c, int32_t pos0, int32_t n, float value) {
  ASSERT_TRUE(kv.prepare(pos0, n).is_ok());
  std::vector<float> k(static_cast<size_t>(n) * c.n_embd_k(), value);
  std::vector<float> v(static_cast<size_t>(n) * c.n_embd_v(), -value);
  for (int32_t il = 0; il < c.n_layer; ++il) kv.store(il, pos0, n, k.data(), v.data());
}

float key_at(const KvCache& kv, int32_t layer, int32_t pos) {
  return fp16_to_f32(kv.k(layer, pos)[0]);
}

TEST(KvBlockPool, SizedForEveryContextAtOnce) {
  EXPECT_EQ(KvBlockPool::blocks_for(4096, 4), 4 * 4096 / kKvBlockSize);
  EXPECT_EQ(KvBlockPool::blocks_for(17, 2), 4);  // a partial block rounds up
  EXPECT_EQ(KvBlockPool::blocks_for(0, 0), 1);
}

TEST(KvBlockPool, RefcountsFreeAndExhaustion) {
  KvBlockPool pool(tiny_config(), 3);
  EXPECT_EQ(pool.blocks_free(), 3);
  std::vector<int32_t> got;
  for (int i = 0; i < 3; ++i) {
    auto b = pool.acquire();
    ASSERT_TRUE(b.is_ok());
    got.push_back(b.value());
  }
  EXPECT_EQ(pool.blocks_in_use(), 3);
  auto none = pool.acquire();
  ASSERT_FALSE(none.is_ok());
  EXPECT_NE(none.message().find("KV cache full"), std::string::npos) << none.message();
  pool.retain(got[0]);
  pool.release(got[0]);
  EXPECT_EQ(pool.blocks_in_use(), 3);  // still held once
  pool.release(got[0]);
  EXPECT_EQ(pool.blocks_in_use(), 2);
  EXPECT_EQ(pool.blocks_free(), 1);    // unpublished: free, not cached
  EXPECT_TRUE(pool.acquire().is_ok());
}

TEST(KvBlockPool, IndexVerifiesTokensAndParent) {
  KvBlockPool pool(tiny_config(), 4);
  const auto a = iota_tokens(kKvBlockSize, 100);
  const auto b = iota_tokens(kKvBlockSize, 200);
  const int32_t b0 = pool.acquire().value();
  const int32_t b1 = pool.acquire().value();
  EXPECT_EQ(pool.find(-1, a), -1);
  EXPECT_FALSE(pool.publish(b1, b0, b));  // its parent is private: not reusable
  ASSERT_TRUE(pool.publish(b0, -1, a));
  ASSERT_TRUE(pool.publish(b1, b0, b));
  EXPECT_EQ(pool.find(-1, a), b0);
  EXPECT_EQ(pool.find(b0, b), b1);
  EXPECT_EQ(pool.find(-1, b), -1);  // right tokens, wrong position in the chain
  EXPECT_EQ(pool.find(b1, b), -1);
  auto a_changed = a;
  a_changed.back() += 1;
  EXPECT_EQ(pool.find(-1, a_changed), -1);
  EXPECT_EQ(pool.find(-1, std::span<const TokenId>(a).first(kKvBlockSize - 1)), -1);
  // An equal block is already there: a second copy stays private.
  const int32_t dup = pool.acquire().value();
  EXPECT_FALSE(pool.publish(dup, -1, a));
  EXPECT_FALSE(pool.published(dup));
}

TEST(KvBlockPool, CachedBlocksAreEvictedLeastRecentlyReleasedFirst) {
  KvBlockPool pool(tiny_config(), 2);
  const auto a = iota_tokens(kKvBlockSize, 1);
  const auto b = iota_tokens(kKvBlockSize, 500);
  const int32_t x = pool.acquire().value();
  const int32_t y = pool.acquire().value();
  ASSERT_TRUE(pool.publish(x, -1, a));
  ASSERT_TRUE(pool.publish(y, -1, b));
  pool.release(x);
  pool.release(y);
  EXPECT_EQ(pool.blocks_cached(), 2);
  EXPECT_EQ(pool.blocks_in_use(), 0);
  // A hit takes a cached block back into use; releasing it again makes it the most recent.
  ASSERT_EQ(pool.find(-1, a), x);
  pool.retain(x);
  EXPECT_EQ(pool.blocks_cached(), 1);
  pool.release(x);
  // No free block: the least recently released (y) is evicted and forgotten.
  auto fresh = pool.acquire();
  ASSERT_TRUE(fresh.is_ok());
  EXPECT_EQ(fresh.value(), y);
  EXPECT_FALSE(pool.published(y));
  EXPECT_EQ(pool.find(-1, b), -1);
  EXPECT_EQ(pool.find(-1, a), x);
}

TEST(KvBlockPool, AnEvictedParentNeverVouchesForItsOldChildren) {
  KvBlockPool pool(tiny_config(), 3);
  const auto a = iota_tokens(kKvBlockSize, 1);
  const auto b = iota_tokens(kKvBlockSize, 300);
  const auto c = iota_tokens(kKvBlockSize, 700);
  const int32_t p = pool.acquire().value();
  const int32_t child = pool.acquire().value();
  ASSERT_TRUE(pool.publish(p, -1, a));
  ASSERT_TRUE(pool.publish(child, p, b));
  pool.release(p);      // p is released first, so it is evicted first
  pool.release(child);
  const int32_t spare = pool.acquire().value();  // the one free block
  const int32_t recycled = pool.acquire().value();
  ASSERT_EQ(recycled, p);
  // The recycled id now holds another prefix: the old child must not match under it.
  ASSERT_TRUE(pool.publish(recycled, -1, c));
  EXPECT_EQ(pool.find(recycled, b), -1);
  pool.release(spare);
}

TEST(KvCache, BlockTableRowsAndPrivateTruncation) {
  const ModelConfig c = tiny_config();
  KvCache kv;
  kv.allocate(c, 40);
  EXPECT_EQ(kv.pool()->n_blocks(), 3);
  fill(kv, c, 0, 20, 1.0f);
  fill(kv, c, 20, 20, 2.0f);
  EXPECT_EQ(kv.block_table().size(), 3u);
  EXPECT_EQ(key_at(kv, 1, 19), 1.0f);
  EXPECT_EQ(key_at(kv, 1, 20), 2.0f);
  EXPECT_EQ(fp16_to_f32(kv.v(0, 39)[2]), -2.0f);
  EXPECT_FALSE(kv.prepare(39, 2).is_ok());  // past n_ctx
  kv.truncate(17);
  EXPECT_EQ(kv.block_table().size(), 2u);
  EXPECT_EQ(kv.pool()->blocks_in_use(), 2);
  kv.release();
  EXPECT_EQ(kv.pool()->blocks_in_use(), 0);
}

TEST(KvCache, SharedBlocksAreCopiedBeforeAWrite) {
  const ModelConfig c = tiny_config();
  auto pool = std::make_shared<KvBlockPool>(c, KvBlockPool::blocks_for(64, 2));
  const auto tokens = iota_tokens(2 * kKvBlockSize + 3, 10);
  KvCache first, second;
  first.attach(pool, 64);
  second.attach(pool, 64);
  fill(first, c, 0, static_cast<int32_t>(tokens.size()), 1.0f);
  first.publish_prefix(tokens);
  EXPECT_TRUE(pool->published(first.block_table()[1]));
  EXPECT_FALSE(pool->published(first.block_table()[2]));  // partial: never shared

  // Reuse stops at the limit given: block 0 is shared, and the 15 positions of block 1 within
  // the limit are copied into a private block (the published one stays as it was).
  EXPECT_EQ(second.reuse_prefix(tokens, kKvBlockSize * 2 - 1), 2 * kKvBlockSize - 1);
  EXPECT_EQ(second.block_table()[0], first.block_table()[0]);
  EXPECT_NE(second.block_table()[1], first.block_table()[1]);
  EXPECT_EQ(key_at(second, 1, 2 * kKvBlockSize - 2), 1.0f);
  EXPECT_TRUE(pool->published(first.block_table()[1]));
  // Block 2 of the first sequence is partial, hence not published: reuse ends at block 1.
  EXPECT_EQ(second.reuse_prefix(tokens, 1000), 2 * kKvBlockSize);
  EXPECT_EQ(second.block_table()[1], first.block_table()[1]);
  EXPECT_EQ(pool->refcount(first.block_table()[1]), 2);

  // The second sequence keeps 20 positions and writes from there: block 1 is shared, so it
  // gets a private copy holding positions 16..19, and the first sequence's rows stay.
  second.truncate(20);
  fill(second, c, 20, 4, 5.0f);
  EXPECT_NE(second.block_table()[1], first.block_table()[1]);
  EXPECT_EQ(second.block_table()[0], first.block_table()[0]);
  EXPECT_EQ(key_at(second, 0, 19), 1.0f);
  EXPECT_EQ(key_at(second, 1, 20), 5.0f);
  EXPECT_EQ(key_at(first, 1, 20), 1.0f);
  EXPECT_EQ(pool->refcount(first.block_table()[1]), 1);

  // Released published blocks stay cached; the private tail is freed.
  first.release();
  EXPECT_EQ(pool->blocks_cached(), 1);  // block 1 (block 0 is still held by `second`)
  second.release();
  EXPECT_EQ(pool->blocks_in_use(), 0);
  EXPECT_EQ(pool->blocks_cached(), 2);
  KvCache third;
  third.attach(pool, 64);
  EXPECT_EQ(third.reuse_prefix(tokens, 1000), 2 * kKvBlockSize);
}

TEST(KvCache, WritingIntoAnOwnPublishedBlockUnpublishesIt) {
  const ModelConfig c = tiny_config();
  auto pool = std::make_shared<KvBlockPool>(c, 4);
  const auto tokens = iota_tokens(kKvBlockSize, 3);
  KvCache kv;
  kv.attach(pool, 64);
  fill(kv, c, 0, kKvBlockSize, 1.0f);
  kv.publish_prefix(tokens);
  const int32_t b = kv.block_table()[0];
  ASSERT_TRUE(pool->published(b));
  kv.truncate(8);
  fill(kv, c, 8, 4, 3.0f);  // only this sequence holds it: written in place, no longer offered
  EXPECT_EQ(kv.block_table()[0], b);
  EXPECT_FALSE(pool->published(b));
  EXPECT_EQ(pool->find(-1, tokens), -1);
}

// On a real model: a context that maps cached blocks computes exactly the logits of one that
// evaluates everything, and a sequence writing after a shared prefix does not disturb the
// sequence it shares with.
TEST(KvCache, ReusedPrefixGivesTheLogitsOfAFullEvaluation) {
  auto model = engine::testing::load_model("qwen3-Q8_0");
  ASSERT_TRUE(model);
  const int32_t n_ctx = 128;
  const Tokenizer& tok = model->tokenizer();
  const auto prompt = tok.encode(
      "Once upon a time, in a small village by the sea, there lived an old fisherman and his "
      "three daughters, who mended nets all day", true, true);
  ASSERT_GT(prompt.size(), static_cast<size_t>(2 * kKvBlockSize));
  auto pool = std::make_shared<KvBlockPool>(model->config(), KvBlockPool::blocks_for(n_ctx, 3));

  Context a(*model, n_ctx, pool);
  ASSERT_TRUE(a.eval(prompt).is_ok());
  a.publish_prefix(prompt);

  // b: the same prompt continued differently, its prefix blocks reused.
  std::vector<TokenId> b_tokens = prompt;
  const auto tail = tok.encode(" and sang old songs", false, false);
  b_tokens.insert(b_tokens.end(), tail.begin(), tail.end());
  Context b(*model, n_ctx, pool);
  const int32_t reused = b.reuse_prefix(b_tokens, static_cast<int32_t>(b_tokens.size()) - 1);
  EXPECT_EQ(reused, static_cast<int32_t>(prompt.size()) / kKvBlockSize * kKvBlockSize);  // a's tail block is partial
  EXPECT_EQ(b.n_past(), reused);
  // b steps back into the last shared block and evaluates from there: it writes into its own
  // copy of that block.
  const int32_t start = reused - 5;
  b.truncate(start);
  ASSERT_TRUE(b.eval(std::span<const TokenId>(b_tokens).subspan(start), true).is_ok());

  Context full(*model, n_ctx);  // private cache, everything evaluated
  ASSERT_TRUE(full.eval(b_tokens, true).is_ok());
  const size_t n_new = b_tokens.size() - static_cast<size_t>(start);
  for (size_t i = 0; i < n_new; ++i) {
    const auto got = b.logits(static_cast<int32_t>(i));
    const auto want = full.logits(static_cast<int32_t>(start + i));
    ASSERT_EQ(got.size(), want.size());
    EXPECT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * sizeof(float)))
        << "logits differ at position " << start + i;
  }

  // a goes on after b wrote into its copy of their last shared block: a's logits are those of
  // a private evaluation of a's sequence.
  const TokenId next[] = {tail.front()};
  ASSERT_TRUE(a.eval(next).is_ok());
  Context a_alone(*model, n_ctx);
  std::vector<TokenId> a_tokens = prompt;
  a_tokens.push_back(next[0]);
  ASSERT_TRUE(a_alone.eval(a_tokens).is_ok());
  ASSERT_EQ(a.logits().size(), a_alone.logits().size());
  EXPECT_EQ(0, std::memcmp(a.logits().data(), a_alone.logits().data(),
                           a.logits().size() * sizeof(float)));
}

// A prompt that ends inside a block another sequence filled (the same prompt sent again, a
// "regenerate"): the rows it shares are copied, only its last token is evaluated, and its
// logits are those of a full evaluation bit for bit.
TEST(KvCache, APromptEndingInsideACachedBlockReusesItsRows) {
  auto model = engine::testing::load_model("qwen3-Q8_0");
  ASSERT_TRUE(model);
  const int32_t n_ctx = 128;
  const auto text = model->tokenizer().encode(
      "Once upon a time, in a small village by the sea, there lived an old fisherman and his "
      "three daughters, who mended nets all day and sang old songs at night", true, true);
  ASSERT_GT(text.size(), static_cast<size_t>(2 * kKvBlockSize + 2));
  auto pool = std::make_shared<KvBlockPool>(model->config(), KvBlockPool::blocks_for(n_ctx, 3));
  Context a(*model, n_ctx, pool);
  ASSERT_TRUE(a.eval(text).is_ok());
  a.publish_prefix(text);

  // b's prompt stops 3 tokens into a's second block; all but its last token is reused.
  const std::vector<TokenId> prompt(text.begin(), text.begin() + kKvBlockSize + 3);
  Context b(*model, n_ctx, pool);
  EXPECT_EQ(b.reuse_prefix(prompt, static_cast<int32_t>(prompt.size()) - 1),
            static_cast<int32_t>(prompt.size()) - 1);
  ASSERT_TRUE(b.eval(std::span<const TokenId>(prompt).last(1)).is_ok());
  Context full(*model, n_ctx);
  ASSERT_TRUE(full.eval(prompt).is_ok());
  ASSERT_EQ(b.logits().size(), full.logits().size());
  EXPECT_EQ(0, std::memcmp(b.logits().data(), full.logits().data(), b.logits().size() * sizeof(float)));

  // a's own rows are untouched by b's write after the copied ones: a goes on as if alone.
  const TokenId next[] = {text[2]};
  ASSERT_TRUE(a.eval(next).is_ok());
  std::vector<TokenId> a_tokens = text;
  a_tokens.push_back(next[0]);
  Context a_alone(*model, n_ctx);
  ASSERT_TRUE(a_alone.eval(a_tokens).is_ok());
  EXPECT_EQ(0, std::memcmp(a.logits().data(), a_alone.logits().data(), a.logits().size() * sizeof(float)));
}

}  // namespace
}  // namespace hearth

// Engine on real (random-weight) models: agreement with a plain generation loop and with the
// reference goldens, determinism under load, cancellation, the bounded queue, prefix reuse.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/chat_prompt.h"
#include "engine/engine.h"
#include "engine_test_util.h"

namespace hearth::engine {
namespace {

using namespace std::chrono_literals;
using testing::collect;
using testing::direct_generation;
using testing::first_event;
using testing::generate;
using testing::load_model;
using testing::make_engine;

constexpr const char* kChatModel = "qwen3-Q8_0";

std::vector<TokenId> encode(const Model& m, const std::string& text) {
  return m.tokenizer().encode(text, true, true);
}

const std::vector<std::string> kPrompts = {
    "The quick brown fox jumps over the lazy dog.",
    "Every morning the old sailor walked down to the harbor",
    "Order #4521: 3 items at $19.99 each",
    "The café on the corner serves naïve tourists",
    "In the beginning there was only the sea, and the wind over it",
    "def fibonacci(n):\n    return n if n < 2 else",
    "Seven swans swam swiftly south",
    "A long time ago, in a galaxy far, far away, there lived a",
};

TEST(Engine, MatchesAPlainGenerationLoop) {
  auto model = load_model(kChatModel);
  ASSERT_TRUE(model);
  auto engine = make_engine(model, {.n_parallel = 2, .n_ctx = 256, .step_tokens = 7});
  ASSERT_TRUE(engine);
  Request r = generate(encode(*model, kPrompts[1]), 20, 1234);
  const std::vector<TokenId> expected = direct_generation(*model, r, 256);
  auto sub = engine->submit(r);
  ASSERT_TRUE(sub.ok()) << sub.message;
  Event all = collect(*sub.handle);
  EXPECT_EQ(all.finish, FinishReason::kLength);
  EXPECT_EQ(all.tokens, expected);
  EXPECT_EQ(all.usage.prompt_tokens, static_cast<int32_t>(r.prompt.size()));
  EXPECT_EQ(all.usage.completion_tokens, 20);
  EXPECT_EQ(all.timings.predicted_n, 20);
  EXPECT_EQ(all.timings.prompt_n, static_cast<int32_t>(r.prompt.size()));
  // The text is exactly the tokens' bytes.
  std::string bytes;
  for (TokenId t : expected) bytes += model->tokenizer().token_to_bytes(t);
  EXPECT_EQ(all.text, bytes);
}

TEST(Engine, ChatGreedyMatchesReference) {
  // F16: its tolerance is tight enough that most greedy steps are checked.
  auto model = load_model("qwen3-F16");
  ASSERT_TRUE(model);
  const nlohmann::json golden = testing::load_golden("qwen3-F16");
  auto prompt = ChatPrompt::for_model(*model);
  ASSERT_TRUE(prompt.is_ok()) << prompt.message();
  EXPECT_FALSE(prompt->uses_default_template());
  auto engine = make_engine(model, {.n_parallel = 2, .n_ctx = 512});
  ASSERT_TRUE(engine);
  int checked = 0;
  for (const auto& c : golden["cases"]) {
    if (!c.value("chat", false)) continue;
    ChatInput in;
    in.messages = nlohmann::ordered_json::parse(c["messages"].dump());
    auto text = prompt->render(in);
    ASSERT_TRUE(text.is_ok()) << text.message();
    EXPECT_EQ(*text, c["text"].get<std::string>());
    const std::vector<TokenId> tokens = prompt->tokenize(*text);
    EXPECT_EQ(tokens, c["tokens"].get<std::vector<TokenId>>());

    Request r = generate(tokens, 16, 1, /*temperature=*/0.0f);
    auto sub = engine->submit(r);
    ASSERT_TRUE(sub.ok()) << sub.message;
    Event all = collect(*sub.handle);
    const auto ref = c["greedy"].get<std::vector<TokenId>>();
    const auto top2 = c["greedy_top2_logits"];
    ASSERT_EQ(all.tokens.size(), ref.size());
    for (size_t i = 0; i < ref.size(); ++i) {
      const double margin = top2[i][0].get<double>() - top2[i][1].get<double>();
      if (margin < 0.05) break;  // near-tie: either choice is right, later steps diverge
      EXPECT_EQ(all.tokens[i], ref[i]) << "greedy step " << i;
      ++checked;
    }
  }
  EXPECT_GE(checked, 1);
}

TEST(Engine, ChatPromptDoesNotDoubleTheBos) {
  auto model = load_model("llama-bpe-Q4_K_M");
  ASSERT_TRUE(model);
  const nlohmann::json golden = testing::load_golden("llama-bpe-Q4_K_M");
  auto prompt = ChatPrompt::for_model(*model);
  ASSERT_TRUE(prompt.is_ok()) << prompt.message();
  for (const auto& c : golden["cases"]) {
    if (!c.value("chat", false)) continue;
    ChatInput in;
    in.messages = nlohmann::ordered_json::parse(c["messages"].dump());
    auto text = prompt->render(in);
    ASSERT_TRUE(text.is_ok()) << text.message();
    EXPECT_EQ(*text, c["text"].get<std::string>());
    EXPECT_EQ(prompt->tokenize(*text), c["tokens"].get<std::vector<TokenId>>());
  }
}

TEST(Engine, SameSeedSameTokensAloneAndUnderLoad) {
  auto model = load_model(kChatModel);
  ASSERT_TRUE(model);
  Request probe = generate(encode(*model, kPrompts[0]), 24, 4242);
  std::vector<TokenId> alone;
  {
    auto engine = make_engine(model, {.n_parallel = 4, .n_ctx = 256, .step_tokens = 512});
    ASSERT_TRUE(engine);
    auto sub = engine->submit(probe);
    ASSERT_TRUE(sub.ok());
    alone = collect(*sub.handle).tokens;
    ASSERT_EQ(alone.size(), 24u);
  }
  // Under load: more requests than slots, a small budget so prompts are split into chunks
  // that interleave with other sequences' decode steps, and the probe in the middle.
  auto engine = make_engine(model, {.n_parallel = 3, .n_ctx = 256, .step_tokens = 5});
  ASSERT_TRUE(engine);
  std::vector<Request> others;
  std::vector<std::shared_ptr<RequestHandle>> handles;
  for (size_t i = 1; i < kPrompts.size(); ++i) {
    others.push_back(generate(encode(*model, kPrompts[i]), 12 + static_cast<int32_t>(i), 100 + i));
    if (i == 4) {
      auto sub = engine->submit(probe);
      ASSERT_TRUE(sub.ok());
      handles.push_back(sub.handle);
    }
    auto sub = engine->submit(others.back());
    ASSERT_TRUE(sub.ok()) << sub.message;
    handles.push_back(sub.handle);
  }
  std::vector<Event> results;
  for (auto& h : handles) results.push_back(collect(*h));
  EXPECT_EQ(results[3].tokens, alone);  // the probe went in fourth
  // The others are independent too: each equals its own plain loop.
  for (size_t i = 0; i < others.size(); ++i) {
    const size_t k = i < 3 ? i : i + 1;
    EXPECT_EQ(results[k].tokens, direct_generation(*model, others[i], 256)) << "request " << i;
  }
  EXPECT_EQ(engine->metrics().slots_busy.load(), 0);
}

TEST(Engine, CancellationFreesTheSlotAtOnce) {
  auto model = load_model(kChatModel);
  ASSERT_TRUE(model);
  // One slot, and a request that would run for thousands of tokens.
  auto engine = make_engine(model, {.n_parallel = 1, .n_ctx = 4096});
  ASSERT_TRUE(engine);
  auto a = engine->submit(generate(encode(*model, kPrompts[2]), -1, 7));
  ASSERT_TRUE(a.ok());
  first_event(*a.handle);
  Request rb = generate(encode(*model, kPrompts[3]), 10, 8);
  auto b = engine->submit(rb);
  ASSERT_TRUE(b.ok());
  auto c = engine->submit(generate(encode(*model, kPrompts[4]), 10, 9));
  ASSERT_TRUE(c.ok());
  c.handle->cancel();  // cancelled while queued
  a.handle->cancel();  // cancelled while running: b gets the slot
  Event ea = collect(*a.handle);
  EXPECT_EQ(ea.finish, FinishReason::kCancelled);
  EXPECT_LT(ea.usage.completion_tokens, 4000);
  Event eb = collect(*b.handle);
  EXPECT_EQ(eb.finish, FinishReason::kLength);
  EXPECT_EQ(eb.tokens, direct_generation(*model, rb, 4096));
  Event ec = collect(*c.handle);
  EXPECT_EQ(ec.finish, FinishReason::kCancelled);
  EXPECT_TRUE(ec.tokens.empty());
  EXPECT_EQ(engine->metrics().requests_cancelled.load(), 2u);
  EXPECT_EQ(engine->metrics().slots_busy.load(), 0);
}

TEST(Engine, RefusesWhenTheQueueIsFull) {
  auto model = load_model(kChatModel);
  ASSERT_TRUE(model);
  auto engine = make_engine(model, {.n_parallel = 1, .n_ctx = 4096, .max_queue = 2});
  ASSERT_TRUE(engine);
  auto a = engine->submit(generate(encode(*model, kPrompts[0]), -1, 1));
  ASSERT_TRUE(a.ok());
  first_event(*a.handle);  // a holds the only slot
  auto b = engine->submit(generate(encode(*model, kPrompts[1]), 4, 2));
  auto c = engine->submit(generate(encode(*model, kPrompts[2]), 4, 3));
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(c.ok());
  auto d = engine->submit(generate(encode(*model, kPrompts[3]), 4, 4));
  EXPECT_EQ(d.error, SubmitError::kQueueFull);
  EXPECT_NE(d.message.find("queue is full"), std::string::npos) << d.message;
  EXPECT_EQ(engine->metrics().queue_depth.load(), 2);
  a.handle->cancel();
  EXPECT_EQ(collect(*b.handle).finish, FinishReason::kLength);
  EXPECT_EQ(collect(*c.handle).finish, FinishReason::kLength);
  // Room again.
  auto e = engine->submit(generate(encode(*model, kPrompts[3]), 4, 4));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(collect(*e.handle).finish, FinishReason::kLength);
}

TEST(Engine, ReusesACachedPrefix) {
  auto model = load_model(kChatModel);
  ASSERT_TRUE(model);
  auto engine = make_engine(model, {.n_parallel = 1, .n_ctx = 256});
  ASSERT_TRUE(engine);
  Request first = generate(encode(*model, kPrompts[5]), 8, 5, 0.0f);
  auto s1 = engine->submit(first);
  ASSERT_TRUE(s1.ok());
  Event e1 = collect(*s1.handle);
  ASSERT_EQ(e1.tokens.size(), 8u);
  EXPECT_EQ(e1.usage.cached_tokens, 0);
  // A follow-up that continues the whole conversation, as a chat's next turn does.
  std::vector<TokenId> next = first.prompt;
  next.insert(next.end(), e1.tokens.begin(), e1.tokens.end());
  const auto more = model->tokenizer().encode(" and then", false, false);
  next.insert(next.end(), more.begin(), more.end());
  Request second = generate(next, 8, 6);
  auto s2 = engine->submit(second);
  ASSERT_TRUE(s2.ok());
  Event e2 = collect(*s2.handle);
  // Everything evaluated before (the prompt and all but the last generated token) is reused, in
  // whole blocks.
  const int32_t evaluated = static_cast<int32_t>(first.prompt.size() + 7);
  ASSERT_GE(evaluated, kKvBlockSize);
  EXPECT_EQ(e2.usage.cached_tokens, evaluated / kKvBlockSize * kKvBlockSize);
  EXPECT_EQ(e2.timings.prompt_n, static_cast<int32_t>(next.size()) - e2.usage.cached_tokens);
  EXPECT_EQ(e2.tokens, direct_generation(*model, second, 256));
  EXPECT_GT(engine->metrics().prompt_tokens_cached.load(), 0u);
}

TEST(Engine, ReusesASharedPartOfTheCache) {
  auto model = load_model(kChatModel);
  ASSERT_TRUE(model);
  auto engine = make_engine(model, {.n_parallel = 1, .n_ctx = 256});
  ASSERT_TRUE(engine);
  const std::vector<TokenId> system = encode(*model, kPrompts[4]);
  const auto ask = [&](const std::string& question, uint32_t seed) {
    std::vector<TokenId> p = system;
    const auto q = model->tokenizer().encode(question, false, false);
    p.insert(p.end(), q.begin(), q.end());
    return generate(p, 6, seed);
  };
  auto s1 = engine->submit(ask(" Tell me about ships.", 1));
  ASSERT_TRUE(s1.ok());
  collect(*s1.handle);
  // Same system prefix, another question: the shared part is reused (whole blocks, then the
  // shared rows of the block where the prompts part, if the first sequence filled it).
  Request second = ask(" What is a lighthouse?", 2);
  auto s2 = engine->submit(second);
  ASSERT_TRUE(s2.ok());
  Event e2 = collect(*s2.handle);
  ASSERT_GE(system.size(), static_cast<size_t>(kKvBlockSize));
  EXPECT_GE(e2.usage.cached_tokens, static_cast<int32_t>(system.size()) / kKvBlockSize * kKvBlockSize);
  const std::vector<TokenId> first = ask(" Tell me about ships.", 1).prompt;
  const auto shared = std::mismatch(first.begin(), first.end(), second.prompt.begin(), second.prompt.end());
  EXPECT_LE(e2.usage.cached_tokens, shared.first - first.begin());
  EXPECT_EQ(e2.tokens, direct_generation(*model, second, 256));
  // The identical request again: everything before the last prompt token that the second
  // sequence filled whole blocks with is reused, same tokens.
  auto s3 = engine->submit(second);
  ASSERT_TRUE(s3.ok());
  Event e3 = collect(*s3.handle);
  const auto n2 = static_cast<int32_t>(second.prompt.size());
  const int32_t evaluated = n2 + static_cast<int32_t>(e2.tokens.size()) - 1;  // not the last token
  EXPECT_EQ(e3.usage.cached_tokens, std::min(n2 - 1, evaluated / kKvBlockSize * kKvBlockSize));
  EXPECT_EQ(e3.tokens, e2.tokens);
}

TEST(Engine, StopStringsCutTheText) {
  auto model = load_model(kChatModel);
  ASSERT_TRUE(model);
  auto engine = make_engine(model, {.n_parallel = 2, .n_ctx = 256});
  ASSERT_TRUE(engine);
  Request r = generate(encode(*model, kPrompts[6]), 40, 11, 0.0f);
  auto s = engine->submit(r);
  ASSERT_TRUE(s.ok());
  const std::string full = collect(*s.handle).text;
  ASSERT_GE(full.size(), 12u);
  // A stop string from the middle of what the model writes.
  const std::string stop = full.substr(full.size() / 2, 3);
  r.params.stop = {"\x01never", stop};
  auto s2 = engine->submit(r);
  ASSERT_TRUE(s2.ok());
  Event cut = collect(*s2.handle);
  EXPECT_EQ(cut.finish, FinishReason::kStop);
  EXPECT_EQ(cut.text, full.substr(0, full.find(stop)));
}

TEST(Engine, LogprobsAreTheModelsDistribution) {
  auto model = load_model(kChatModel);
  ASSERT_TRUE(model);
  auto engine = make_engine(model, {.n_parallel = 1, .n_ctx = 256});
  ASSERT_TRUE(engine);
  Request r = generate(encode(*model, kPrompts[7]), 5, 3, 0.0f);
  r.params.logprobs = true;
  r.params.top_logprobs = 4;
  auto s = engine->submit(r);
  ASSERT_TRUE(s.ok());
  Event all = collect(*s.handle);
  ASSERT_EQ(all.logprobs.size(), 5u);
  // The first token's distribution, computed here from the model's logits.
  Context ctx(*model, 256);
  ASSERT_TRUE(ctx.eval(r.prompt).is_ok());
  const auto logits = ctx.logits();
  double lse = 0, mx = -1e30;
  for (float x : logits) mx = std::max<double>(mx, x);
  for (float x : logits) lse += std::exp(x - mx);
  lse = mx + std::log(lse);
  for (size_t i = 0; i < all.logprobs.size(); ++i) {
    const TokenLogprob& lp = all.logprobs[i];
    EXPECT_EQ(lp.id, all.tokens[i]);
    ASSERT_EQ(lp.top.size(), 4u);
    EXPECT_EQ(lp.top[0].id, lp.id);  // greedy picks the most likely token
    EXPECT_FLOAT_EQ(lp.top[0].logprob, lp.logprob);
    for (size_t k = 1; k < lp.top.size(); ++k) EXPECT_LE(lp.top[k].logprob, lp.top[k - 1].logprob);
    EXPECT_LE(lp.logprob, 0.0f);
  }
  EXPECT_NEAR(all.logprobs[0].logprob, logits[all.tokens[0]] - lse, 1e-4);
  EXPECT_NEAR(all.logprobs[0].top[2].logprob, logits[all.logprobs[0].top[2].id] - lse, 1e-4);
}

TEST(Engine, EmbeddingsMatchReference) {
  auto model = load_model("bert-F16");
  ASSERT_TRUE(model);
  const nlohmann::json golden = testing::load_golden("bert-F16");
  auto engine = make_engine(model, {.n_parallel = 2});
  ASSERT_TRUE(engine);
  EXPECT_TRUE(engine->can_embed());
  EXPECT_FALSE(engine->can_generate());
  Request r;
  r.kind = Request::Kind::kEmbed;
  for (const auto& c : golden["cases"]) {
    r.inputs.push_back(model->tokenizer().encode(c["text"].get<std::string>(), true, true));
    EXPECT_EQ(r.inputs.back(), c["tokens"].get<std::vector<TokenId>>());
  }
  auto s = engine->submit(r);
  ASSERT_TRUE(s.ok()) << s.message;
  Event all = collect(*s.handle);
  ASSERT_EQ(all.finish, FinishReason::kStop);
  ASSERT_EQ(all.embeddings.size(), golden["cases"].size());
  for (size_t i = 0; i < all.embeddings.size(); ++i) {
    const auto ref = golden["cases"][i]["embedding"].get<std::vector<double>>();
    ASSERT_EQ(all.embeddings[i].size(), ref.size());
    double dot = 0, na = 0, nb = 0;
    for (size_t j = 0; j < ref.size(); ++j) {
      dot += all.embeddings[i][j] * ref[j];
      na += all.embeddings[i][j] * all.embeddings[i][j];
      nb += ref[j] * ref[j];
    }
    EXPECT_GE(dot / std::sqrt(na * nb), 0.9999) << "case " << i;
  }
  EXPECT_GT(all.usage.prompt_tokens, 0);
}

TEST(Engine, RefusesWhatItCannotServe) {
  auto qwen = load_model(kChatModel);
  auto bert = load_model("bert-F16");
  ASSERT_TRUE(qwen && bert);
  auto gen = make_engine(qwen, {.n_parallel = 1, .n_ctx = 64});
  auto emb = make_engine(bert, {.n_parallel = 1});
  ASSERT_TRUE(gen && emb);
  EXPECT_EQ(gen->submit(generate(std::vector<TokenId>(64, 5), 4, 1)).error,
            SubmitError::kContextLength);
  EXPECT_EQ(gen->submit(generate({}, 4, 1)).error, SubmitError::kInvalid);
  EXPECT_EQ(gen->submit(generate({1, 2, 100000}, 4, 1)).error, SubmitError::kInvalid);
  Request bad = generate({1, 2, 3}, 4, 1);
  bad.params.sampling.top_p = 2.0f;
  auto s = gen->submit(bad);
  EXPECT_EQ(s.error, SubmitError::kInvalid);
  EXPECT_NE(s.message.find("top_p"), std::string::npos);
  bad = generate({1, 2, 3}, 4, 1);
  bad.params.top_logprobs = 21;
  EXPECT_EQ(gen->submit(bad).error, SubmitError::kInvalid);
  Request embed;
  embed.kind = Request::Kind::kEmbed;
  embed.inputs = {{1, 2, 3}};
  EXPECT_EQ(gen->submit(embed).error, SubmitError::kInvalid);  // qwen3 has no pooling
  EXPECT_EQ(emb->submit(generate({1, 2, 3}, 4, 1)).error, SubmitError::kInvalid);
  embed.inputs = {std::vector<TokenId>(static_cast<size_t>(emb->n_ctx()) + 1, 5)};
  EXPECT_EQ(emb->submit(embed).error, SubmitError::kContextLength);
  embed.inputs = {{}};
  EXPECT_EQ(emb->submit(embed).error, SubmitError::kInvalid);
}

TEST(Engine, StopEndsEveryRequest) {
  auto model = load_model(kChatModel);
  ASSERT_TRUE(model);
  auto engine = make_engine(model, {.n_parallel = 1, .n_ctx = 4096});
  ASSERT_TRUE(engine);
  auto a = engine->submit(generate(encode(*model, kPrompts[0]), -1, 1));
  auto b = engine->submit(generate(encode(*model, kPrompts[1]), -1, 2));
  ASSERT_TRUE(a.ok() && b.ok());
  first_event(*a.handle);
  engine->stop();
  EXPECT_EQ(collect(*a.handle).finish, FinishReason::kCancelled);
  Event eb = collect(*b.handle);
  EXPECT_EQ(eb.finish, FinishReason::kCancelled);
  EXPECT_NE(eb.error.find("shutting down"), std::string::npos);
  EXPECT_EQ(engine->submit(generate(encode(*model, kPrompts[2]), 4, 3)).error,
            SubmitError::kUnavailable);
}

}  // namespace
}  // namespace hearth::engine

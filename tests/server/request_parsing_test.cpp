// Request parsing and small helpers, without a server.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/openai_request.h"
#include "server/openai_response.h"
#include "server/server.h"

namespace hearth::server {
namespace {

using json = nlohmann::json;

TEST(RequestParsing, ChatFields) {
  const json body = json::parse(R"({
    "model": "m", "messages": [
      {"role": "system", "content": "be brief"},
      {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
      {"role": "assistant", "content": null, "tool_calls": [{"id": "1"}]}],
    "max_completion_tokens": 7, "temperature": 0.5, "top_p": 0.9, "top_k": 5, "min_p": 0.1,
    "presence_penalty": 0.5, "frequency_penalty": -0.5, "repetition_penalty": 1.1,
    "seed": 12345678901, "stop": "END", "stream": true, "stream_options": {"include_usage": true},
    "logprobs": true, "top_logprobs": 4, "chat_template_kwargs": {"enable_thinking": false}})");
  GenerationRequest g;
  ASSERT_FALSE(parse_chat_request(body, g));
  EXPECT_EQ(g.model, "m");
  EXPECT_EQ(g.params.max_tokens, 7);
  EXPECT_FLOAT_EQ(g.params.sampling.temperature, 0.5f);
  EXPECT_FLOAT_EQ(g.params.sampling.top_p, 0.9f);
  EXPECT_EQ(g.params.sampling.top_k, 5);
  EXPECT_FLOAT_EQ(g.params.sampling.repeat_penalty, 1.1f);
  EXPECT_EQ(g.params.sampling.seed, static_cast<uint32_t>(12345678901LL));
  EXPECT_EQ(g.params.stop, std::vector<std::string>{"END"});
  EXPECT_TRUE(g.stream);
  EXPECT_TRUE(g.include_usage);
  EXPECT_TRUE(g.params.logprobs);
  EXPECT_EQ(g.params.top_logprobs, 4);
  ASSERT_EQ(g.chat.messages.size(), 3u);
  EXPECT_EQ(g.chat.messages[1]["content"], "a\nb");
  EXPECT_TRUE(g.chat.messages[2]["content"].is_null());
  EXPECT_EQ(g.chat.messages[2]["tool_calls"][0]["id"], "1");
  EXPECT_EQ(g.chat.extra["enable_thinking"], false);
}

TEST(RequestParsing, DefaultsAndSeed) {
  GenerationRequest g;
  ASSERT_FALSE(parse_completion_request(json::parse(R"({"model":"m","prompt":["hi"]})"), g));
  EXPECT_EQ(g.prompt_text, "hi");
  EXPECT_EQ(g.params.max_tokens, -1);
  EXPECT_EQ(g.params.sampling.seed, sampling::kRandomSeed);
  EXPECT_FALSE(g.params.logprobs);
  GenerationRequest t;
  ASSERT_FALSE(parse_completion_request(json::parse(R"({"model":"m","prompt":[[1,2,3]],"logprobs":0})"), t));
  EXPECT_TRUE(t.prompt_is_tokens);
  EXPECT_EQ(t.prompt_tokens, (std::vector<TokenId>{1, 2, 3}));
  EXPECT_TRUE(t.params.logprobs);
  EXPECT_EQ(t.params.top_logprobs, 0);
  GenerationRequest two;
  auto e = parse_completion_request(json::parse(R"({"model":"m","prompt":["a","b"]})"), two);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 400);
}

TEST(RequestParsing, Embeddings) {
  EmbeddingRequest a;
  ASSERT_FALSE(parse_embedding_request(json::parse(R"({"model":"m","input":["x","y"]})"), a));
  EXPECT_EQ(a.texts.size(), 2u);
  EXPECT_FALSE(a.base64);
  EmbeddingRequest b;
  ASSERT_FALSE(parse_embedding_request(
      json::parse(R"({"model":"m","input":[[1,2],[3]],"encoding_format":"base64"})"), b));
  EXPECT_EQ(b.token_inputs.size(), 2u);
  EXPECT_TRUE(b.base64);
  EmbeddingRequest c;
  EXPECT_TRUE(parse_embedding_request(json::parse(R"({"model":"m","input":[]})"), c));
  EXPECT_TRUE(parse_embedding_request(json::parse(R"({"model":"m","input":["x",1]})"), c));
}

TEST(Base64, KnownVectors) {
  const auto enc = [](const std::string& s) {
    return base64_encode({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
  };
  EXPECT_EQ(enc(""), "");
  EXPECT_EQ(enc("f"), "Zg==");
  EXPECT_EQ(enc("fo"), "Zm8=");
  EXPECT_EQ(enc("foo"), "Zm9v");
  EXPECT_EQ(enc("foobar"), "Zm9vYmFy");
}

TEST(ConstantTimeEquals, Compares) {
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_FALSE(constant_time_equals("abd", "abc"));
  EXPECT_FALSE(constant_time_equals("ab", "abc"));
  EXPECT_FALSE(constant_time_equals("abcabc", "abc"));  // a cycled match is still wrong
  EXPECT_FALSE(constant_time_equals("", "abc"));
  EXPECT_FALSE(constant_time_equals("", ""));  // an empty key never authorises
}

TEST(SseEvent, ReplacesInvalidUtf8) {
  const std::string e = sse_event(json{{"text", std::string("a\xff" "b")}});
  EXPECT_EQ(e, "data: {\"text\":\"a\xEF\xBF\xBD" "b\"}\n\n");
}

}  // namespace
}  // namespace hearth::server

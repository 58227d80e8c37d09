// server: engine results -> OpenAI response bodies and stream chunks (chat.completion,
// chat.completion.chunk, text_completion, embeddings), plus our `timings` extension.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/request.h"

namespace hearth::server {

struct ResponseInfo {
  std::string id;     // "chatcmpl-..." / "cmpl-..."
  std::string model;  // the served id
  int64_t created = 0;
  bool chat = true;   // chat.completion vs text_completion
};

nlohmann::json usage_json(const engine::Usage& u);
// prompt_n, prompt_ms, prompt_per_second, predicted_n, predicted_ms, predicted_per_second,
// ttft_ms, queue_ms.
nlohmann::json timings_json(const engine::Timings& t);

// Chat: {"content": [{"token", "logprob", "bytes", "top_logprobs": [...]}], "refusal": null}.
nlohmann::json chat_logprobs_json(std::span<const engine::TokenLogprob> lps);
// Completions: {"tokens", "token_logprobs", "top_logprobs": [{token: logprob}], "text_offset"};
// text_offset counts from `offset`, which is advanced past the tokens.
nlohmann::json completion_logprobs_json(std::span<const engine::TokenLogprob> lps, size_t& offset);

// The whole response of a non-streaming request (`all` is every event merged).
nlohmann::json completion_body(const ResponseInfo& info, const engine::Event& all);

// Stream chunks. `first_chat_chunk` carries the assistant role; content chunks carry `delta`'s
// text (and logprobs); the finish chunk carries finish_reason; the usage chunk has no choices.
nlohmann::json first_chat_chunk(const ResponseInfo& info);
nlohmann::json content_chunk(const ResponseInfo& info, const engine::Event& delta, size_t& offset);
nlohmann::json finish_chunk(const ResponseInfo& info, engine::FinishReason reason);
nlohmann::json usage_chunk(const ResponseInfo& info, const engine::Event& last);

nlohmann::json embeddings_body(const std::string& model,
                               const std::vector<std::vector<float>>& vectors, bool base64,
                               int32_t prompt_tokens);

// One server-sent event: "data: <json>\n\n" (invalid UTF-8 in model text becomes U+FFFD).
std::string sse_event(const nlohmann::json& j);
inline constexpr const char* kSseDone = "data: [DONE]\n\n";

std::string base64_encode(std::span<const uint8_t> bytes);
// The JSON text of a value, invalid UTF-8 replaced.
std::string dump_json(const nlohmann::json& j);

}  // namespace hearth::server

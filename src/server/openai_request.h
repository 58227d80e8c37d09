// server: OpenAI request bodies (chat completions, completions, embeddings) -> what the engine
// needs, with a 400 naming the field for anything malformed. Tokenising and template rendering
// happen later, against the chosen model.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/chat_prompt.h"
#include "engine/request.h"
#include "server/json_fields.h"

namespace hearth::server {

struct GenerationRequest {
  std::string model;
  engine::GenerateParams params;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  // /v1/chat/completions: messages with text content, tools and template kwargs.
  engine::ChatInput chat;
  // /v1/completions: the prompt as text, or as token ids when prompt_is_tokens.
  std::string prompt_text;
  std::vector<TokenId> prompt_tokens;
  bool prompt_is_tokens = false;
};

struct EmbeddingRequest {
  std::string model;
  std::vector<std::string> texts;                 // string inputs
  std::vector<std::vector<TokenId>> token_inputs;  // token-id inputs (when texts is empty)
  bool base64 = false;                            // encoding_format "base64"
};

// The most stop strings a request may give, and the most inputs an embeddings call may carry.
inline constexpr size_t kMaxStopStrings = 16;
inline constexpr size_t kMaxEmbeddingInputs = 2048;

MaybeError parse_chat_request(const nlohmann::json& body, GenerationRequest& out);
MaybeError parse_completion_request(const nlohmann::json& body, GenerationRequest& out);
MaybeError parse_embedding_request(const nlohmann::json& body, EmbeddingRequest& out);

}  // namespace hearth::server

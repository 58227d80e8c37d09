// engine: turns a conversation into prompt tokens with the model's own chat template (GGUF
// tokenizer.chat_template), the same way for the server and the terminal chat.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "chat/chat_template.h"
#include "model/model.h"

namespace hearth::engine {

struct ChatInput {
  // [{"role": ..., "content": "..."}, ...] as the template expects them (content as text).
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  nlohmann::ordered_json tools = nullptr;  // null: None
  bool add_generation_prompt = true;
  // Extra template variables (chat_template_kwargs: enable_thinking, ...).
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
};

class ChatPrompt {
 public:
  // Parses the model's template; a model without one gets chat::default_chat_template()
  // (ChatML). A template that does not parse is an error naming the model.
  static Result<ChatPrompt> for_model(const Model& model);

  // The rendered conversation; template errors (raise_exception, ...) come back as the message.
  // A BOS the template writes at the start is dropped when tokenize() adds one anyway (as
  // llama.cpp does).
  Result<std::string> render(const ChatInput& input) const;
  // Tokenises a rendered conversation as llama.cpp does (special tokens parsed, BOS added when
  // the vocabulary wants one), without doubling a BOS the template already wrote.
  std::vector<TokenId> tokenize(std::string_view text) const;

  bool uses_default_template() const { return default_; }
  const std::string& source() const { return template_.source(); }

 private:
  ChatPrompt(const Model& model, chat::ChatTemplate t, bool is_default);

  const Model* model_;
  chat::ChatTemplate template_;
  bool default_;
  std::string bos_text_;  // the BOS token's text when tokenize() adds a BOS, else empty
  nlohmann::ordered_json special_tokens_ = nlohmann::ordered_json::object();
};

}  // namespace hearth::engine

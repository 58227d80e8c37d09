// engine: ChatPrompt.
#include "engine/chat_prompt.h"

#include <utility>

namespace hearth::engine {

ChatPrompt::ChatPrompt(const Model& model, chat::ChatTemplate t, bool is_default)
    : model_(&model), template_(std::move(t)), default_(is_default) {
  const Tokenizer& tok = model.tokenizer();
  // Tokens the model lacks stay undefined in the template, as in transformers.
  if (tok.bos() >= 0) special_tokens_["bos_token"] = tok.token_text(tok.bos());
  if (tok.eos() >= 0) special_tokens_["eos_token"] = tok.token_text(tok.eos());
  const std::vector<TokenId> empty = tok.encode("", /*add_special=*/true, false);
  if (tok.bos() >= 0 && !empty.empty() && empty.front() == tok.bos()) {
    bos_text_ = tok.token_text(tok.bos());
  }
}

Result<ChatPrompt> ChatPrompt::for_model(const Model& model) {
  auto source = model.file().get_string_or("tokenizer.chat_template", "");
  if (!source.is_ok()) return source.status();
  const bool is_default = source->empty();
  std::string text = is_default ? std::string(chat::default_chat_template()) : *source;
  auto parsed = chat::ChatTemplate::parse(std::move(text));
  if (!parsed.is_ok()) {
    return Status::errorf("{}: tokenizer.chat_template does not parse: {}", model.file().path(),
                          parsed.message());
  }
  return ChatPrompt(model, std::move(parsed).value(), is_default);
}

Result<std::string> ChatPrompt::render(const ChatInput& input) const {
  chat::ChatContextInput ctx;
  ctx.messages = input.messages;
  ctx.tools = input.tools;
  ctx.add_generation_prompt = input.add_generation_prompt;
  ctx.special_tokens = special_tokens_;
  ctx.extra = input.extra.is_object() ? input.extra : nlohmann::ordered_json::object();
  auto text = template_.render(chat::build_chat_context(ctx));
  if (!text.is_ok()) return text;
  // Templates that write the BOS themselves (Llama 3) would get a second one from tokenize().
  if (!bos_text_.empty() && text->starts_with(bos_text_)) text->erase(0, bos_text_.size());
  return text;
}

std::vector<TokenId> ChatPrompt::tokenize(std::string_view text) const {
  const Tokenizer& tok = model_->tokenizer();
  std::vector<TokenId> ids = tok.encode(text, /*add_special=*/true, /*parse_special=*/true);
  if (ids.size() >= 2 && tok.bos() >= 0 && ids[0] == tok.bos() && ids[1] == tok.bos()) {
    ids.erase(ids.begin());
  }
  return ids;
}

}  // namespace hearth::engine

// chat: renders a model's chat template (GGUF `tokenizer.chat_template`) byte for byte as Hugging
// Face transformers does: Python jinja2 3.1 in an immutable sandbox with trim_blocks,
// lstrip_blocks, loop controls, the {% generation %} tag, raise_exception, strftime_now and a
// json.dumps-based tojson. Only the Jinja subset real chat templates use is implemented (no
// include/extends/import, no recursive loops).
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace hearth::chat {

// Which Python exception jinja2 would have raised.
enum class TemplateErrorKind {
  kSyntax,     // TemplateSyntaxError (from parse)
  kRaised,     // the template called raise_exception(message)
  kUndefined,  // UndefinedError: e.g. an attribute of an undefined value
  kType,       // TypeError / ValueError: an operation on the wrong kind of value
  kSecurity,   // SecurityError: the sandbox refused a mutating method (list.append ...)
  kRuntime,    // TemplateRuntimeError: unknown filter or test, bad assignment
  kLimit,      // a RenderLimits bound was hit (runaway recursion, huge loops or output)
};

struct TemplateError {
  TemplateErrorKind kind = TemplateErrorKind::kRuntime;
  std::string message;  // for kRaised exactly the template's message
  int line = 0;         // 1-based line in the template source; 0 when unknown
  // kRaised: the message alone; otherwise "<Python exception name> at line N: message".
  std::string to_string() const;
};

// Bounds that turn runaway templates into errors instead of exhausted stacks or memory.
struct RenderLimits {
  int max_call_depth = 64;               // nested macro calls
  int max_eval_depth = 384;              // nested statement and expression evaluation
  int64_t max_iterations = 100'000'000;  // loop iterations and collection items built, in total
  size_t max_output_bytes = 256u << 20;  // the rendered text and any string built on the way
};

struct RenderOptions {
  // The clock strftime_now() reads; unset: the local time when render() is called.
  std::optional<std::tm> now;
  RenderLimits limits;
};

class ChatTemplate {
 public:
  // Lexes and parses; a syntax error names the line ("TemplateSyntaxError at line 3: ...").
  static Result<ChatTemplate> parse(std::string source);
  static std::variant<ChatTemplate, TemplateError> parse_detailed(std::string source);

  // Renders with `context` (a JSON object) as the template's variables. JSON null is Python
  // None; a key that is absent is undefined. Errors: see TemplateError::to_string().
  Result<std::string> render(const nlohmann::ordered_json& context, const RenderOptions& options = {}) const;
  std::variant<std::string, TemplateError> render_detailed(const nlohmann::ordered_json& context,
                                                           const RenderOptions& options = {}) const;

  const std::string& source() const;

 private:
  struct Impl;
  explicit ChatTemplate(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;  // immutable once parsed: render() is thread-safe
};

// What transformers' apply_chat_template passes to the template.
struct ChatContextInput {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  nlohmann::ordered_json tools = nullptr;      // always passed; null means None
  nlohmann::ordered_json documents = nullptr;  // always passed; null means None
  bool add_generation_prompt = false;
  // bos_token, eos_token, ... as strings; a token the model lacks is left out (undefined).
  nlohmann::ordered_json special_tokens = nlohmann::ordered_json::object();
  // Caller keyword arguments (enable_thinking, reasoning_effort, ...); they override special tokens.
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
};

// The render context: special tokens, then extra, then messages/tools/documents/
// add_generation_prompt (later keys win, as in transformers).
nlohmann::ordered_json build_chat_context(const ChatContextInput& input);

// The template for models without one: ChatML, transformers' historical default
// ("<|im_start|>{role}\n{content}<|im_end|>\n" per message, then "<|im_start|>assistant\n" when
// add_generation_prompt is true).
std::string_view default_chat_template();

// Parses "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS" (also with 'T') as a clock for RenderOptions::now.
std::optional<std::tm> parse_clock(std::string_view text);

}  // namespace hearth::chat

// chat: splits a Jinja template into tokens, applying jinja2's whitespace rules (trim_blocks,
// lstrip_blocks, `-`/`+` markers, one trailing newline dropped) exactly as transformers sets them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::chat {

enum class TokenType {
  kText,        // template data between tags (already whitespace-processed)
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,
  kString,      // unescaped value in `text`
  kInteger,     // value in `int_value`
  kFloat,       // value in `float_value`
  kOperator,    // text is the operator: "==", "(", "|", ...
  kEof,
};

struct Token {
  TokenType type = TokenType::kEof;
  std::string text;
  int line = 1;
  int64_t int_value = 0;
  double float_value = 0.0;
};

// Throws TemplateException (kSyntax) with the line on malformed input (unclosed tag, comment or
// string, unexpected character, unbalanced brackets).
std::vector<Token> tokenize_template(std::string_view source);

}  // namespace hearth::chat

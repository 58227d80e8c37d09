// chat: builds the syntax tree from tokens, following jinja2's grammar and operator precedence.
#pragma once

#include <vector>

#include "chat/template_ast.h"
#include "chat/template_lexer.h"

namespace hearth::chat {

// Deeper nesting of expressions or blocks than this is a syntax error (keeps recursion bounded).
inline constexpr int kMaxParseDepth = 256;

// Throws TemplateException (kSyntax) with the line of the offending token.
StmtList parse_template(const std::vector<Token>& tokens);

}  // namespace hearth::chat

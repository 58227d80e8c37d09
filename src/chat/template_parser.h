// chat: builds the syntax tree from tokens, following jinja2's grammar and operator precedence.
#pragma once

#include <vector>

#include "chat/template_ast.h"
#include "chat/template_lexer.h"

namespace hearth::chat {

// Throws TemplateException (kSyntax) with the line of the offending token; nesting deeper than
// kMaxParseDepth (template_expr_parser.h) is refused.
StmtList parse_template(const std::vector<Token>& tokens);

}  // namespace hearth::chat

// chat: the expression half of the template parser: jinja2's grammar from parse_expression down
// (precedence climbing, filters, tests, calls, subscripts, literals) and assignment targets.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "chat/template_ast.h"
#include "chat/template_lexer.h"

namespace hearth::chat {

// Deeper nesting of expressions or blocks than this is a syntax error (keeps recursion bounded).
inline constexpr int kMaxParseDepth = 256;

using Names = std::vector<std::string_view>;

// How jinja2 names a token in messages ("end of print statement", "string", or the text).
std::string describe_token(const Token& t);

class ExpressionParser {
 public:
  explicit ExpressionParser(const std::vector<Token>& tokens) : toks_(tokens) {}

 protected:
  // ---- token stream ----
  const Token& cur() const { return toks_[i_]; }
  const Token& look() const { return toks_[i_ + 1 < toks_.size() ? i_ + 1 : i_]; }
  const Token& next() {
    const Token& t = toks_[i_];
    if (i_ + 1 < toks_.size()) ++i_;
    return t;
  }
  bool is_op(std::string_view op) const { return cur().type == TokenType::kOperator && cur().text == op; }
  bool is_name(std::string_view n) const { return cur().type == TokenType::kName && cur().text == n; }
  bool skip_op(std::string_view op) {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  bool skip_name(std::string_view n) {
    if (!is_name(n)) return false;
    next();
    return true;
  }
  void expect_op(std::string_view op) {
    if (!skip_op(op)) fail(fmt::format("expected token '{}', got '{}'", op, describe_token(cur())));
  }
  void expect(TokenType type, const char* what) {
    if (cur().type != type) fail(fmt::format("expected token '{}', got '{}'", what, describe_token(cur())));
    next();
  }
  std::string expect_name() {
    if (cur().type != TokenType::kName) fail(fmt::format("expected token 'name', got '{}'", describe_token(cur())));
    return next().text;
  }

  [[noreturn]] void fail(const std::string& message, int line = 0) const {
    throw TemplateException{ErrorKind::kSyntax, message, line ? line : cur().line};
  }

  struct DepthGuard {
    explicit DepthGuard(ExpressionParser& p) : p_(p) {
      if (++p_.depth_ > kMaxParseDepth) p_.fail("template nested too deeply");
    }
    ~DepthGuard() { --p_.depth_; }
    ExpressionParser& p_;
  };

  ExprPtr make(Expr::Kind kind, int line) { return std::make_unique<Expr>(kind, line); }

  // ---- grammar entry points used by the statement parser ----
  ExprPtr parse_expression(bool with_condexpr);
  ExprPtr parse_tuple(bool simplified, bool with_condexpr, const Names* extra, bool explicit_parens);
  ExprPtr parse_filter(ExprPtr node, bool start_inline);
  Target parse_assign_target(bool with_tuple, bool name_only, const Names* extra, bool with_namespace);
  CallArgsExpr parse_call_args();
  void check_assignable(const std::string& name);

  const std::vector<Token>& toks_;
  size_t i_ = 0;
  int depth_ = 0;
  std::vector<MacroDef*> macros_;  // macros being parsed, innermost last

 private:
  bool is_tuple_end(const Names* extra) const;
  Target target_from_expr(const Expr& e);
  Target parse_target_primary(bool with_namespace);
  ExprPtr parse_condexpr();
  ExprPtr binary(Expr::Kind kind, int line, ExprPtr left, ExprPtr right);
  ExprPtr parse_or();
  ExprPtr parse_and();
  ExprPtr parse_not();
  ExprPtr parse_compare();
  ExprPtr parse_math1();
  ExprPtr parse_concat();
  ExprPtr parse_math2();
  ExprPtr parse_pow();
  ExprPtr parse_unary(bool with_filter);
  ExprPtr parse_primary();
  void note_name_use(const std::string& name);
  ExprPtr parse_list_literal(Expr::Kind kind, std::string_view close);
  ExprPtr parse_dict_literal();
  ExprPtr parse_postfix(ExprPtr node);
  ExprPtr parse_filter_expr(ExprPtr node);
  ExprPtr parse_subscript(ExprPtr node);
  ExprPtr parse_subscribed();
  ExprPtr parse_call(ExprPtr node);
  std::string parse_dotted_name();
  ExprPtr parse_test(ExprPtr node);
};

}  // namespace hearth::chat

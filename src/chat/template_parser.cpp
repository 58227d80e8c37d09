// chat: the statement half of the template parser (for, if, set, macro, call, filter, with,
// generation, break/continue), mirroring jinja2.parser; expressions are template_expr_parser.cpp.
#include "chat/template_parser.h"

#include <fmt/format.h>

#include "chat/template_expr_parser.h"

namespace hearth::chat {
namespace {

class StatementParser : public ExpressionParser {
 public:
  using ExpressionParser::ExpressionParser;

  StmtList parse() {
    StmtList body = subparse(nullptr);
    if (cur().type != TokenType::kEof) fail(fmt::format("unexpected '{}'", describe_token(cur())));
    return body;
  }

 private:
  // ---- statements ----
  StmtList subparse(const Names* end_tokens) {
    DepthGuard guard(*this);
    StmtList body;
    while (cur().type != TokenType::kEof) {
      const Token& t = cur();
      if (t.type == TokenType::kText) {
        if (!body.empty() && body.back()->kind == Stmt::Kind::kText) {
          body.back()->text += t.text;
        } else {
          auto s = std::make_unique<Stmt>(Stmt::Kind::kText, t.line);
          s->text = t.text;
          body.push_back(std::move(s));
        }
        next();
      } else if (t.type == TokenType::kVarBegin) {
        next();
        auto s = std::make_unique<Stmt>(Stmt::Kind::kOutput, t.line);
        s->expr = parse_tuple(false, true, nullptr, false);
        expect(TokenType::kVarEnd, "end of print statement");
        body.push_back(std::move(s));
      } else if (t.type == TokenType::kBlockBegin) {
        next();
        if (end_tokens && cur().type == TokenType::kName) {
          for (auto e : *end_tokens) {
            if (cur().text == e) return body;
          }
        }
        parse_statement(body);
        expect(TokenType::kBlockEnd, "end of statement block");
      } else {
        fail(fmt::format("unexpected '{}'", describe_token(t)));
      }
    }
    return body;
  }

  StmtList parse_statements(const Names& end_tokens, bool drop_needle) {
    skip_op(":");
    expect(TokenType::kBlockEnd, "end of statement block");
    end_stack_.push_back(end_tokens);
    StmtList body = subparse(&end_tokens);
    if (cur().type == TokenType::kEof) fail_unknown_tag(nullptr);
    end_stack_.pop_back();
    if (drop_needle) next();
    return body;
  }

  // jinja2's message for an unknown tag or a missing end tag.
  [[noreturn]] void fail_unknown_tag(const std::string* name) {
    std::string msg = name ? fmt::format("Encountered unknown tag '{}'.", *name) : "Unexpected end of template.";
    if (!end_stack_.empty()) {
      std::string looking;
      for (auto e : end_stack_.back()) looking += (looking.empty() ? "'" : " or '") + std::string(e) + "'";
      bool expected = false;
      for (const auto& names : end_stack_) {
        for (auto e : names) expected |= name && *name == e;
      }
      msg += expected ? " You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for " + looking + "."
                      : " Jinja was looking for the following tags: " + looking + ".";
    }
    if (!tag_stack_.empty()) msg += fmt::format(" The innermost block that needs to be closed is '{}'.", tag_stack_.back());
    fail(msg);
  }

  void parse_statement(StmtList& out) {
    if (cur().type != TokenType::kName) fail("tag name expected");
    const std::string tag = cur().text;
    const int line = cur().line;
    static const Names kUnsupported = {"block", "extends", "include", "import", "from", "autoescape"};
    for (auto u : kUnsupported) {
      if (tag == u) fail(fmt::format("the '{}' tag is not supported in chat templates", tag));
    }
    tag_stack_.push_back(tag);
    if (tag == "for") {
      out.push_back(parse_for());
    } else if (tag == "if") {
      out.push_back(parse_if());
    } else if (tag == "set") {
      out.push_back(parse_set());
    } else if (tag == "macro") {
      out.push_back(parse_macro());
    } else if (tag == "call") {
      out.push_back(parse_call_block());
    } else if (tag == "filter") {
      next();
      auto s = std::make_unique<Stmt>(Stmt::Kind::kFilterBlock, line);
      s->filter = parse_filter(nullptr, true);
      s->body = parse_statements({"endfilter"}, true);
      out.push_back(std::move(s));
    } else if (tag == "with") {
      out.push_back(parse_with());
    } else if (tag == "generation") {
      // transformers' AssistantTracker: a call block that renders its body (so its own scope,
      // and break/continue cannot reach an enclosing loop).
      next();
      auto s = std::make_unique<Stmt>(Stmt::Kind::kScope, line);
      enter_loop(false);
      s->body = parse_statements({"endgeneration"}, true);
      leave_loop();
      out.push_back(std::move(s));
    } else if (tag == "print") {
      next();
      for (int n = 0; cur().type != TokenType::kBlockEnd; ++n) {
        if (n > 0) expect_op(",");
        auto s = std::make_unique<Stmt>(Stmt::Kind::kOutput, line);
        s->expr = parse_expression(true);
        out.push_back(std::move(s));
      }
    } else if (tag == "break" || tag == "continue") {
      next();
      if (loop_depth_.empty() || loop_depth_.back() == 0) fail(fmt::format("'{}' outside loop", tag), line);
      out.push_back(std::make_unique<Stmt>(tag == "break" ? Stmt::Kind::kBreak : Stmt::Kind::kContinue, line));
    } else {
      tag_stack_.pop_back();
      fail_unknown_tag(&tag);
    }
    tag_stack_.pop_back();
  }

  StmtPtr parse_for() {
    auto s = std::make_unique<Stmt>(Stmt::Kind::kFor, next().line);
    static const Names kIn = {"in"};
    s->target = parse_assign_target(true, false, &kIn, false);
    if (!skip_name("in")) fail(fmt::format("expected token 'in', got '{}'", describe_token(cur())));
    static const Names kRecursive = {"recursive"};
    s->expr = parse_tuple(false, false, &kRecursive, false);
    if (skip_name("if")) s->condition = parse_expression(true);
    if (is_name("recursive")) fail("recursive for loops are not supported");
    enter_loop(true);
    s->body = parse_statements({"endfor", "else"}, false);
    leave_loop();
    if (next().text != "endfor") s->else_body = parse_statements({"endfor"}, true);
    return s;
  }

  StmtPtr parse_if() {
    auto s = std::make_unique<Stmt>(Stmt::Kind::kIf, next().line);
    while (true) {
      s->conditions.push_back(parse_tuple(false, false, nullptr, false));
      s->bodies.push_back(parse_statements({"elif", "else", "endif"}, false));
      const Token& t = next();
      if (t.text == "elif") continue;
      if (t.text == "else") s->else_body = parse_statements({"endif"}, true);
      break;
    }
    return s;
  }

  StmtPtr parse_set() {
    const int line = next().line;
    Target target = parse_assign_target(true, false, nullptr, true);
    if (skip_op("=")) {
      auto s = std::make_unique<Stmt>(Stmt::Kind::kSet, line);
      s->target = std::move(target);
      s->expr = parse_tuple(false, true, nullptr, false);
      return s;
    }
    auto s = std::make_unique<Stmt>(Stmt::Kind::kSetBlock, line);
    s->target = std::move(target);
    s->filter = parse_filter(nullptr, false);
    s->body = parse_statements({"endset"}, true);
    return s;
  }

  void parse_signature(MacroDef& m) {
    expect_op("(");
    while (!is_op(")")) {
      if (!m.params.empty()) expect_op(",");
      std::string name = expect_name();
      check_assignable(name);
      if (skip_op("=")) {
        m.defaults.push_back(parse_expression(true));
      } else if (!m.defaults.empty()) {
        fail("non-default argument follows default argument");
      }
      m.params.push_back(std::move(name));
    }
    expect_op(")");
  }

  StmtList parse_macro_body(MacroDef& m, std::string_view end_tag) {
    macros_.push_back(&m);
    enter_loop(false);
    StmtList body = parse_statements({end_tag}, true);
    leave_loop();
    macros_.pop_back();
    return body;
  }

  StmtPtr parse_macro() {
    auto s = std::make_unique<Stmt>(Stmt::Kind::kMacro, next().line);
    s->macro = std::make_shared<MacroDef>();
    s->macro->name = expect_name();
    check_assignable(s->macro->name);
    parse_signature(*s->macro);
    s->macro->body = parse_macro_body(*s->macro, "endmacro");
    return s;
  }

  StmtPtr parse_call_block() {
    auto s = std::make_unique<Stmt>(Stmt::Kind::kCallBlock, next().line);
    s->macro = std::make_shared<MacroDef>();
    s->macro->name = "caller";
    if (is_op("(")) parse_signature(*s->macro);
    s->expr = parse_expression(true);
    if (s->expr->kind != Expr::Kind::kCall) fail("expected call", s->line);
    s->macro->body = parse_macro_body(*s->macro, "endcall");
    return s;
  }

  StmtPtr parse_with() {
    auto s = std::make_unique<Stmt>(Stmt::Kind::kScope, next().line);
    while (cur().type != TokenType::kBlockEnd) {
      if (!s->assignments.empty()) expect_op(",");
      Target t = parse_assign_target(true, false, nullptr, false);
      expect_op("=");
      s->assignments.emplace_back(std::move(t), parse_expression(true));
    }
    s->body = parse_statements({"endwith"}, true);
    return s;
  }

  void enter_loop(bool is_loop) { loop_depth_.push_back(is_loop ? (loop_depth_.empty() ? 1 : loop_depth_.back() + 1) : 0); }
  void leave_loop() { loop_depth_.pop_back(); }

  std::vector<std::string> tag_stack_;
  std::vector<Names> end_stack_;
  std::vector<int> loop_depth_;  // per macro nesting: how many for loops enclose us
};

}  // namespace

StmtList parse_template(const std::vector<Token>& tokens) { return StatementParser(tokens).parse(); }

}  // namespace hearth::chat

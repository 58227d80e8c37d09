// chat: recursive-descent parser mirroring jinja2.parser (same precedence, same statements).
#include "chat/template_parser.h"

#include <fmt/format.h>

namespace hearth::chat {
namespace {

using Names = std::vector<std::string_view>;

std::string describe(const Token& t) {
  switch (t.type) {
    case TokenType::kText: return "template data";
    case TokenType::kVarBegin: return "begin of print statement";
    case TokenType::kVarEnd: return "end of print statement";
    case TokenType::kBlockBegin: return "begin of statement block";
    case TokenType::kBlockEnd: return "end of statement block";
    case TokenType::kString: return "string";
    case TokenType::kInteger: return "integer";
    case TokenType::kFloat: return "float";
    case TokenType::kEof: return "end of template";
    default: return t.text;
  }
}

class Parser {
 public:
  explicit Parser(const std::vector<Token>& tokens) : toks_(tokens) {}

  StmtList parse() {
    StmtList body = subparse(nullptr);
    if (cur().type != TokenType::kEof) fail(fmt::format("unexpected '{}'", describe(cur())));
    return body;
  }

 private:
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
    if (!skip_op(op)) fail(fmt::format("expected token '{}', got '{}'", op, describe(cur())));
  }
  void expect(TokenType type, const char* what) {
    if (cur().type != type) fail(fmt::format("expected token '{}', got '{}'", what, describe(cur())));
    next();
  }
  std::string expect_name() {
    if (cur().type != TokenType::kName) fail(fmt::format("expected token 'name', got '{}'", describe(cur())));
    return next().text;
  }

  [[noreturn]] void fail(const std::string& message, int line = 0) const {
    throw TemplateException{ErrorKind::kSyntax, message, line ? line : cur().line};
  }

  struct DepthGuard {
    explicit DepthGuard(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxParseDepth) p_.fail("template nested too deeply");
    }
    ~DepthGuard() { --p_.depth_; }
    Parser& p_;
  };

  ExprPtr make(Expr::Kind kind, int line) { return std::make_unique<Expr>(kind, line); }

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
        fail(fmt::format("unexpected '{}'", describe(t)));
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
    } else if (tag == "generation") {  // transformers' AssistantTracker: renders its body
      next();
      auto s = std::make_unique<Stmt>(Stmt::Kind::kScope, line);
      s->body = parse_statements({"endgeneration"}, true);
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
    if (!skip_name("in")) fail(fmt::format("expected token 'in', got '{}'", describe(cur())));
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

  void check_assignable(const std::string& name) {
    static const Names kConst = {"true", "false", "none", "True", "False", "None"};
    for (auto c : kConst) {
      if (name == c) fail("can't assign to 'const'");
    }
  }

  // ---- assignment targets ----
  bool is_tuple_end(const Names* extra) const {
    const auto t = cur().type;
    if (t == TokenType::kVarEnd || t == TokenType::kBlockEnd || (t == TokenType::kOperator && cur().text == ")")) return true;
    if (extra && t == TokenType::kName) {
      for (auto e : *extra) {
        if (cur().text == e) return true;
      }
    }
    return false;
  }

  Target target_from_expr(const Expr& e) {
    Target t;
    if (e.kind == Expr::Kind::kName) {
      check_assignable(e.name);
      t.kind = Target::Kind::kName;
      t.name = e.name;
    } else if (e.kind == Expr::Kind::kTuple) {
      t.kind = Target::Kind::kTuple;
      for (const auto& item : e.items) t.items.push_back(target_from_expr(*item));
    } else {
      fail("can't assign to this expression", e.line);
    }
    return t;
  }

  Target parse_target_primary(bool with_namespace) {
    if (with_namespace && cur().type == TokenType::kName && look().type == TokenType::kOperator && look().text == ".") {
      Target t;
      t.kind = Target::Kind::kNamespaceAttr;
      t.name = next().text;
      next();
      t.attr = expect_name();
      return t;
    }
    if (cur().type == TokenType::kName) check_assignable(cur().text);
    ExprPtr e = parse_primary();
    return target_from_expr(*e);
  }

  Target parse_assign_target(bool with_tuple, bool name_only, const Names* extra, bool with_namespace) {
    if (name_only || !with_tuple) return parse_target_primary(with_namespace);
    std::vector<Target> items;
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) expect_op(",");
      if (is_tuple_end(extra)) break;
      items.push_back(parse_target_primary(with_namespace));
      if (is_op(",")) {
        is_tuple = true;
      } else {
        break;
      }
    }
    if (!is_tuple) {
      if (items.empty()) fail(fmt::format("Expected an expression, got '{}'", describe(cur())));
      return std::move(items[0]);
    }
    Target t;
    t.kind = Target::Kind::kTuple;
    t.items = std::move(items);
    return t;
  }

  // ---- expressions (precedence climbs in this order) ----
  ExprPtr parse_expression(bool with_condexpr) {
    DepthGuard guard(*this);
    return with_condexpr ? parse_condexpr() : parse_or();
  }

  ExprPtr parse_condexpr() {
    int line = cur().line;
    ExprPtr expr1 = parse_or();
    while (skip_name("if")) {
      auto e = make(Expr::Kind::kCondExpr, line);
      e->object = parse_or();
      e->left = std::move(expr1);
      if (skip_name("else")) e->right = parse_condexpr();
      expr1 = std::move(e);
      line = cur().line;
    }
    return expr1;
  }

  ExprPtr binary(Expr::Kind kind, int line, ExprPtr left, ExprPtr right) {
    auto e = make(kind, line);
    e->left = std::move(left);
    e->right = std::move(right);
    return e;
  }

  ExprPtr parse_or() {
    int line = cur().line;
    ExprPtr left = parse_and();
    while (skip_name("or")) left = binary(Expr::Kind::kOr, line, std::move(left), parse_and());
    return left;
  }

  ExprPtr parse_and() {
    int line = cur().line;
    ExprPtr left = parse_not();
    while (skip_name("and")) left = binary(Expr::Kind::kAnd, line, std::move(left), parse_not());
    return left;
  }

  ExprPtr parse_not() {
    if (is_name("not")) {
      DepthGuard guard(*this);
      auto e = make(Expr::Kind::kNot, next().line);
      e->object = parse_not();
      return e;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    const int line = cur().line;
    ExprPtr expr = parse_math1();
    std::vector<std::string> ops;
    std::vector<ExprPtr> operands;
    while (true) {
      static const Names kCompare = {"==", "!=", "<", "<=", ">", ">="};
      bool found = false;
      if (cur().type == TokenType::kOperator) {
        for (auto c : kCompare) found |= cur().text == c;
      }
      if (found) {
        ops.push_back(next().text);
      } else if (skip_name("in")) {
        ops.push_back("in");
      } else if (is_name("not") && look().type == TokenType::kName && look().text == "in") {
        next();
        next();
        ops.push_back("notin");
      } else {
        break;
      }
      operands.push_back(parse_math1());
    }
    if (ops.empty()) return expr;
    auto e = make(Expr::Kind::kCompare, line);
    e->left = std::move(expr);
    e->ops = std::move(ops);
    e->items = std::move(operands);
    return e;
  }

  ExprPtr parse_math1() {
    int line = cur().line;
    ExprPtr left = parse_concat();
    while (is_op("+") || is_op("-")) {
      const auto kind = next().text == "+" ? Expr::Kind::kAdd : Expr::Kind::kSub;
      left = binary(kind, line, std::move(left), parse_concat());
      line = cur().line;
    }
    return left;
  }

  ExprPtr parse_concat() {
    const int line = cur().line;
    ExprPtr first = parse_math2();
    if (!is_op("~")) return first;
    auto e = make(Expr::Kind::kConcat, line);
    e->items.push_back(std::move(first));
    while (skip_op("~")) e->items.push_back(parse_math2());
    return e;
  }

  ExprPtr parse_math2() {
    int line = cur().line;
    ExprPtr left = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const std::string op = next().text;
      const auto kind = op == "*" ? Expr::Kind::kMul : op == "/" ? Expr::Kind::kDiv
                        : op == "//" ? Expr::Kind::kFloorDiv : Expr::Kind::kMod;
      left = binary(kind, line, std::move(left), parse_pow());
      line = cur().line;
    }
    return left;
  }

  ExprPtr parse_pow() {
    int line = cur().line;
    ExprPtr left = parse_unary(true);
    while (skip_op("**")) {
      left = binary(Expr::Kind::kPow, line, std::move(left), parse_unary(true));
      line = cur().line;
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(*this);
    ExprPtr node;
    if (is_op("-") || is_op("+")) {
      auto e = make(cur().text == "-" ? Expr::Kind::kNeg : Expr::Kind::kPos, cur().line);
      next();
      e->object = parse_unary(false);
      node = std::move(e);
    } else {
      node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  ExprPtr parse_primary() {
    DepthGuard guard(*this);
    const Token& t = cur();
    if (t.type == TokenType::kName) {
      next();
      auto e = make(Expr::Kind::kConst, t.line);
      if (t.text == "true" || t.text == "True" || t.text == "false" || t.text == "False") {
        e->value = Value::boolean(t.text[0] == 't' || t.text[0] == 'T');
      } else if (t.text == "none" || t.text == "None") {
        e->value = Value::none();
      } else {
        e->kind = Expr::Kind::kName;
        e->name = t.text;
        note_name_use(t.text);
      }
      return e;
    }
    if (t.type == TokenType::kString) {
      auto e = make(Expr::Kind::kConst, t.line);
      std::string s;
      while (cur().type == TokenType::kString) s += next().text;
      e->value = Value::string(std::move(s));
      return e;
    }
    if (t.type == TokenType::kInteger || t.type == TokenType::kFloat) {
      auto e = make(Expr::Kind::kConst, t.line);
      e->value = t.type == TokenType::kInteger ? Value::integer(t.int_value) : Value::floating(t.float_value);
      next();
      return e;
    }
    if (is_op("(")) {
      next();
      ExprPtr e = parse_tuple(false, true, nullptr, true);
      expect_op(")");
      return e;
    }
    if (is_op("[")) return parse_list_literal(Expr::Kind::kList, "]");
    if (is_op("{")) return parse_dict_literal();
    fail(fmt::format("unexpected '{}'", describe(t)));
  }

  void note_name_use(const std::string& name) {
    if (macros_.empty()) return;
    if (name == "caller") macros_.back()->uses_caller = true;
    if (name == "varargs") macros_.back()->uses_varargs = true;
    if (name == "kwargs") macros_.back()->uses_kwargs = true;
  }

  ExprPtr parse_tuple(bool simplified, bool with_condexpr, const Names* extra, bool explicit_parens) {
    const int line = cur().line;
    std::vector<ExprPtr> args;
    bool is_tuple = false;
    while (true) {
      if (!args.empty()) expect_op(",");
      if (is_tuple_end(extra)) break;
      args.push_back(simplified ? parse_primary() : parse_expression(with_condexpr));
      if (is_op(",")) {
        is_tuple = true;
      } else {
        break;
      }
    }
    if (!is_tuple) {
      if (!args.empty()) return std::move(args[0]);
      if (!explicit_parens) fail(fmt::format("Expected an expression, got '{}'", describe(cur())));
    }
    auto e = make(Expr::Kind::kTuple, line);
    e->items = std::move(args);
    return e;
  }

  ExprPtr parse_list_literal(Expr::Kind kind, std::string_view close) {
    auto e = make(kind, next().line);
    while (!is_op(close)) {
      if (!e->items.empty()) expect_op(",");
      if (is_op(close)) break;
      e->items.push_back(parse_expression(true));
    }
    expect_op(close);
    return e;
  }

  ExprPtr parse_dict_literal() {
    auto e = make(Expr::Kind::kDict, next().line);
    while (!is_op("}")) {
      if (!e->items.empty()) expect_op(",");
      if (is_op("}")) break;
      e->items.push_back(parse_expression(true));
      expect_op(":");
      e->items.push_back(parse_expression(true));
    }
    expect_op("}");
    return e;
  }

  ExprPtr parse_postfix(ExprPtr node) {
    while (true) {
      if (is_op(".") || is_op("[")) {
        node = parse_subscript(std::move(node));
      } else if (is_op("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    while (true) {
      if (is_op("|")) {
        node = parse_filter(std::move(node), false);
      } else if (is_name("is")) {
        node = parse_test(std::move(node));
      } else if (is_op("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr node) {
    const Token& t = next();
    if (t.text == ".") {
      const Token& attr = cur();
      if (attr.type == TokenType::kName) {
        next();
        auto e = make(Expr::Kind::kGetAttr, t.line);
        e->object = std::move(node);
        e->name = attr.text;
        return e;
      }
      if (attr.type != TokenType::kInteger) fail("expected name or number", attr.line);
      next();
      auto e = make(Expr::Kind::kGetItem, t.line);
      e->object = std::move(node);
      e->left = make(Expr::Kind::kConst, attr.line);
      e->left->value = Value::integer(attr.int_value);
      return e;
    }
    std::vector<ExprPtr> args;
    while (!is_op("]")) {
      if (!args.empty()) expect_op(",");
      args.push_back(parse_subscribed());
    }
    expect_op("]");
    if (args.empty()) fail("expected subscript expression", t.line);
    if (args.size() == 1) {
      ExprPtr arg = std::move(args[0]);
      if (arg->kind == Expr::Kind::kSlice) {
        arg->object = std::move(node);
        return arg;
      }
      auto e = make(Expr::Kind::kGetItem, t.line);
      e->object = std::move(node);
      e->left = std::move(arg);
      return e;
    }
    auto index = make(Expr::Kind::kTuple, t.line);
    for (auto& a : args) {
      if (a->kind == Expr::Kind::kSlice) fail("slices inside a tuple subscript are not supported", t.line);
      index->items.push_back(std::move(a));
    }
    auto e = make(Expr::Kind::kGetItem, t.line);
    e->object = std::move(node);
    e->left = std::move(index);
    return e;
  }

  // One subscript: an expression or a slice `start:stop:step` (returned as kSlice, no object).
  ExprPtr parse_subscribed() {
    const int line = cur().line;
    ExprPtr start;
    if (!skip_op(":")) {
      ExprPtr node = parse_expression(true);
      if (!skip_op(":")) return node;
      start = std::move(node);
    }
    auto e = make(Expr::Kind::kSlice, line);
    e->start = std::move(start);
    if (!is_op(":") && !is_op("]") && !is_op(",")) e->stop = parse_expression(true);
    if (skip_op(":")) {
      if (!is_op("]") && !is_op(",")) e->step = parse_expression(true);
    }
    return e;
  }

  CallArgsExpr parse_call_args() {
    const int line = cur().line;
    expect_op("(");
    CallArgsExpr args;
    bool require_comma = false;
    auto ensure = [&](bool ok) {
      if (!ok) fail("invalid syntax for function call expression", line);
    };
    while (!is_op(")")) {
      if (require_comma) {
        expect_op(",");
        if (is_op(")")) break;
      }
      if (skip_op("*")) {
        ensure(!args.star_args && !args.star_kwargs);
        args.star_args = parse_expression(true);
      } else if (skip_op("**")) {
        ensure(!args.star_kwargs);
        args.star_kwargs = parse_expression(true);
      } else if (cur().type == TokenType::kName && look().type == TokenType::kOperator && look().text == "=") {
        ensure(!args.star_kwargs);
        std::string key = next().text;
        next();
        args.keyword.push_back(Keyword{std::move(key), parse_expression(true)});
      } else {
        ensure(!args.star_args && !args.star_kwargs && args.keyword.empty());
        args.positional.push_back(parse_expression(true));
      }
      require_comma = true;
    }
    expect_op(")");
    return args;
  }

  ExprPtr parse_call(ExprPtr node) {
    auto e = make(Expr::Kind::kCall, cur().line);
    e->args = parse_call_args();
    e->object = std::move(node);
    return e;
  }

  std::string parse_dotted_name() {
    std::string name = expect_name();
    while (skip_op(".")) name += "." + expect_name();
    return name;
  }

  ExprPtr parse_filter(ExprPtr node, bool start_inline) {
    while (is_op("|") || start_inline) {
      if (!start_inline) next();
      const int line = cur().line;
      auto e = make(Expr::Kind::kFilter, line);
      e->name = parse_dotted_name();
      if (is_op("(")) e->args = parse_call_args();
      e->object = std::move(node);
      node = std::move(e);
      start_inline = false;
    }
    return node;
  }

  ExprPtr parse_test(ExprPtr node) {
    const int line = next().line;
    const bool negated = skip_name("not");
    auto e = make(Expr::Kind::kTest, line);
    e->name = parse_dotted_name();
    if (is_op("(")) {
      e->args = parse_call_args();
    } else if ((cur().type == TokenType::kName || cur().type == TokenType::kString || cur().type == TokenType::kInteger ||
                cur().type == TokenType::kFloat || is_op("[") || is_op("{")) &&
               !is_name("else") && !is_name("or") && !is_name("and")) {
      if (is_name("is")) fail("You cannot chain multiple tests with is");
      e->args.positional.push_back(parse_postfix(parse_primary()));
    }
    e->object = std::move(node);
    if (!negated) return e;
    auto n = make(Expr::Kind::kNot, line);
    n->object = std::move(e);
    return n;
  }

  const std::vector<Token>& toks_;
  size_t i_ = 0;
  int depth_ = 0;
  std::vector<std::string> tag_stack_;
  std::vector<Names> end_stack_;
  std::vector<int> loop_depth_;     // per macro nesting: how many for loops enclose us
  std::vector<MacroDef*> macros_;   // macros being parsed, innermost last
};

}  // namespace

StmtList parse_template(const std::vector<Token>& tokens) { return Parser(tokens).parse(); }

}  // namespace hearth::chat

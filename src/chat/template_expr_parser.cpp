// chat: expression parsing, mirroring jinja2.parser from parse_expression down.
#include "chat/template_expr_parser.h"

#include <fmt/format.h>

namespace hearth::chat {

std::string describe_token(const Token& t) {
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

void ExpressionParser::check_assignable(const std::string& name) {
  static const Names kConst = {"true", "false", "none", "True", "False", "None"};
  for (auto c : kConst) {
    if (name == c) fail("can't assign to 'const'");
  }
}

// ---- assignment targets ----
bool ExpressionParser::is_tuple_end(const Names* extra) const {
  const auto t = cur().type;
  if (t == TokenType::kVarEnd || t == TokenType::kBlockEnd || (t == TokenType::kOperator && cur().text == ")")) return true;
  if (extra && t == TokenType::kName) {
    for (auto e : *extra) {
      if (cur().text == e) return true;
    }
  }
  return false;
}

Target ExpressionParser::target_from_expr(const Expr& e) {
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

Target ExpressionParser::parse_target_primary(bool with_namespace) {
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

Target ExpressionParser::parse_assign_target(bool with_tuple, bool name_only, const Names* extra, bool with_namespace) {
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
    if (items.empty()) fail(fmt::format("Expected an expression, got '{}'", describe_token(cur())));
    return std::move(items[0]);
  }
  Target t;
  t.kind = Target::Kind::kTuple;
  t.items = std::move(items);
  return t;
}

// ---- expressions (precedence climbs in this order) ----
ExprPtr ExpressionParser::parse_expression(bool with_condexpr) {
  DepthGuard guard(*this);
  return with_condexpr ? parse_condexpr() : parse_or();
}

ExprPtr ExpressionParser::parse_condexpr() {
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

ExprPtr ExpressionParser::binary(Expr::Kind kind, int line, ExprPtr left, ExprPtr right) {
  auto e = make(kind, line);
  e->left = std::move(left);
  e->right = std::move(right);
  return e;
}

ExprPtr ExpressionParser::parse_or() {
  int line = cur().line;
  ExprPtr left = parse_and();
  while (skip_name("or")) left = binary(Expr::Kind::kOr, line, std::move(left), parse_and());
  return left;
}

ExprPtr ExpressionParser::parse_and() {
  int line = cur().line;
  ExprPtr left = parse_not();
  while (skip_name("and")) left = binary(Expr::Kind::kAnd, line, std::move(left), parse_not());
  return left;
}

ExprPtr ExpressionParser::parse_not() {
  if (is_name("not")) {
    DepthGuard guard(*this);
    auto e = make(Expr::Kind::kNot, next().line);
    e->object = parse_not();
    return e;
  }
  return parse_compare();
}

ExprPtr ExpressionParser::parse_compare() {
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

ExprPtr ExpressionParser::parse_math1() {
  int line = cur().line;
  ExprPtr left = parse_concat();
  while (is_op("+") || is_op("-")) {
    const auto kind = next().text == "+" ? Expr::Kind::kAdd : Expr::Kind::kSub;
    left = binary(kind, line, std::move(left), parse_concat());
    line = cur().line;
  }
  return left;
}

ExprPtr ExpressionParser::parse_concat() {
  const int line = cur().line;
  ExprPtr first = parse_math2();
  if (!is_op("~")) return first;
  auto e = make(Expr::Kind::kConcat, line);
  e->items.push_back(std::move(first));
  while (skip_op("~")) e->items.push_back(parse_math2());
  return e;
}

ExprPtr ExpressionParser::parse_math2() {
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

ExprPtr ExpressionParser::parse_pow() {
  int line = cur().line;
  ExprPtr left = parse_unary(true);
  while (skip_op("**")) {
    left = binary(Expr::Kind::kPow, line, std::move(left), parse_unary(true));
    line = cur().line;
  }
  return left;
}

ExprPtr ExpressionParser::parse_unary(bool with_filter) {
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

ExprPtr ExpressionParser::parse_primary() {
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
  fail(fmt::format("unexpected '{}'", describe_token(t)));
}

void ExpressionParser::note_name_use(const std::string& name) {
  if (macros_.empty()) return;
  if (name == "caller") macros_.back()->uses_caller = true;
  if (name == "varargs") macros_.back()->uses_varargs = true;
  if (name == "kwargs") macros_.back()->uses_kwargs = true;
}

ExprPtr ExpressionParser::parse_tuple(bool simplified, bool with_condexpr, const Names* extra, bool explicit_parens) {
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
    if (!explicit_parens) fail(fmt::format("Expected an expression, got '{}'", describe_token(cur())));
  }
  auto e = make(Expr::Kind::kTuple, line);
  e->items = std::move(args);
  return e;
}

ExprPtr ExpressionParser::parse_list_literal(Expr::Kind kind, std::string_view close) {
  auto e = make(kind, next().line);
  while (!is_op(close)) {
    if (!e->items.empty()) expect_op(",");
    if (is_op(close)) break;
    e->items.push_back(parse_expression(true));
  }
  expect_op(close);
  return e;
}

ExprPtr ExpressionParser::parse_dict_literal() {
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

ExprPtr ExpressionParser::parse_postfix(ExprPtr node) {
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

ExprPtr ExpressionParser::parse_filter_expr(ExprPtr node) {
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

ExprPtr ExpressionParser::parse_subscript(ExprPtr node) {
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
ExprPtr ExpressionParser::parse_subscribed() {
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

CallArgsExpr ExpressionParser::parse_call_args() {
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

ExprPtr ExpressionParser::parse_call(ExprPtr node) {
  auto e = make(Expr::Kind::kCall, cur().line);
  e->args = parse_call_args();
  e->object = std::move(node);
  return e;
}

std::string ExpressionParser::parse_dotted_name() {
  std::string name = expect_name();
  while (skip_op(".")) {
    name.push_back('.');
    name += expect_name();
  }
  return name;
}

ExprPtr ExpressionParser::parse_filter(ExprPtr node, bool start_inline) {
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

ExprPtr ExpressionParser::parse_test(ExprPtr node) {
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

}  // namespace hearth::chat

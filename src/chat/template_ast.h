// chat: the syntax tree of a parsed template (jinja2's node set, reduced to what runs here).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/template_value.h"

namespace hearth::chat {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using StmtList = std::vector<StmtPtr>;

struct Keyword {
  std::string name;
  ExprPtr value;
};

// Arguments of a call, filter or test: f(a, b, k=v, *rest, **more).
struct CallArgsExpr {
  std::vector<ExprPtr> positional;
  std::vector<Keyword> keyword;
  ExprPtr star_args;
  ExprPtr star_kwargs;
};

struct Expr {
  enum class Kind {
    kConst,      // value
    kName,       // name
    kList,       // items
    kTuple,      // items
    kDict,       // items as key, value, key, value ...
    kGetAttr,    // object.name
    kGetItem,    // object[index]
    kSlice,      // object[start:stop:step]; missing parts are null
    kCall,       // object(args)
    kFilter,     // object|name(args); object null in a filter block
    kTest,       // object is name(args)
    kNot, kNeg, kPos,                                   // object
    kAnd, kOr,                                          // left right
    kAdd, kSub, kMul, kDiv, kFloorDiv, kMod, kPow,      // left right
    kConcat,     // items joined with ~
    kCompare,    // left, then (ops[i], items[i])
    kCondExpr,   // test ? left : right (right may be null)
  };
  Kind kind;
  int line = 0;
  Value value;              // kConst
  std::string name;         // kName, kGetAttr, kFilter, kTest
  ExprPtr object;           // kGetAttr/kGetItem/kSlice/kCall/kFilter/kTest/unary; kCondExpr: test
  ExprPtr left, right;      // binary; kCondExpr: then / else; kGetItem: index
  ExprPtr start, stop, step;  // kSlice
  std::vector<ExprPtr> items;
  std::vector<std::string> ops;  // kCompare: "==", "!=", "<", "<=", ">", ">=", "in", "notin"
  CallArgsExpr args;        // kCall, kFilter, kTest

  Expr(Kind k, int l) : kind(k), line(l) {}
};

// Assignment target: a name, `ns.attr`, or a tuple of targets.
struct Target {
  enum class Kind { kName, kNamespaceAttr, kTuple };
  Kind kind = Kind::kName;
  std::string name;
  std::string attr;
  std::vector<Target> items;
};

struct MacroDef {
  std::string name;
  std::vector<std::string> params;
  std::vector<ExprPtr> defaults;  // for the last defaults.size() params
  StmtList body;
  bool uses_caller = false;   // the body names `caller`, `varargs` or `kwargs`
  bool uses_varargs = false;
  bool uses_kwargs = false;
};

struct Stmt {
  enum class Kind {
    kText,         // text
    kOutput,       // expr ({{ }} or {% print %})
    kIf,           // conditions[i] -> bodies[i]; else_body
    kFor,          // target in expr [if condition]: body, else_body
    kSet,          // target = expr
    kSetBlock,     // target = rendered body, through filter (may be null)
    kMacro,        // macro
    kCallBlock,    // expr (the call) with macro (the caller)
    kFilterBlock,  // filter (with null object) over rendered body
    kScope,        // body in a new scope: {% generation %}, {% with %} (assignments)
    kBreak,
    kContinue,
  };
  Kind kind;
  int line = 0;
  std::string text;
  ExprPtr expr;
  ExprPtr condition;  // kFor filter
  ExprPtr filter;     // kSetBlock / kFilterBlock
  Target target;
  std::vector<ExprPtr> conditions;
  std::vector<StmtList> bodies;
  StmtList body;
  StmtList else_body;
  std::shared_ptr<MacroDef> macro;
  std::vector<std::pair<Target, ExprPtr>> assignments;  // kScope ({% with a = 1 %})
  bool recursive = false;

  Stmt(Kind k, int l) : kind(k), line(l) {}
};

}  // namespace hearth::chat

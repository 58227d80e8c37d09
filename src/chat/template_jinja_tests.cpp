// chat: jinja2's tests (`x is defined`, `x is string`, `selectattr(..., "equalto", ...)` ...).
#include <cmath>
#include <unordered_map>

#include <fmt/format.h>

#include "chat/py_text.h"
#include "chat/template_builtins.h"

namespace hearth::chat {
namespace {

const Value& one_arg(CallArgs& args, const char* test) {
  ArgReader r(test, args, {"other"});
  if (!r.get(0)) throw_error(ErrorKind::kType, fmt::format("test '{}' needs one argument", test));
  return *r.get(0);
}

void no_args(CallArgs& args, const char* test) { ArgReader r(test, args, {}); }

// Python `value % divisor` for the numeric tests (floats allowed, as in jinja2).
double py_mod(const Value& v, const Value& divisor, const char* test) {
  if (v.is_undefined()) fail_undefined(v);
  if (divisor.is_undefined()) fail_undefined(divisor);
  if (!v.is_number() || !divisor.is_number()) {
    throw_error(ErrorKind::kType, fmt::format("test '{}' needs numbers, got '{}' and '{}'", test, type_name(v), type_name(divisor)));
  }
  if (divisor.as_double() == 0.0) throw_error(ErrorKind::kType, "integer modulo by zero");
  if (!v.is_float() && !divisor.is_float()) {
    const int64_t a = v.as_integer(), b = divisor.as_integer();
    if (b == -1) return 0;
    int64_t m = a % b;
    if (m != 0 && ((m < 0) != (b < 0))) m += b;
    return static_cast<double>(m);
  }
  double m = std::fmod(v.as_double(), divisor.as_double());
  if (m != 0.0 && ((m < 0) != (divisor.as_double() < 0))) m += divisor.as_double();
  return m;
}

bool t_defined(Interpreter&, const Value& v, CallArgs& a) { no_args(a, "defined"); return !v.is_undefined(); }
bool t_undefined(Interpreter&, const Value& v, CallArgs& a) { no_args(a, "undefined"); return v.is_undefined(); }
bool t_none(Interpreter&, const Value& v, CallArgs& a) { no_args(a, "none"); return v.is_none(); }
bool t_boolean(Interpreter&, const Value& v, CallArgs& a) { no_args(a, "boolean"); return v.is_bool(); }
bool t_false(Interpreter&, const Value& v, CallArgs& a) { no_args(a, "false"); return v.is_bool() && !v.as_bool(); }
bool t_true(Interpreter&, const Value& v, CallArgs& a) { no_args(a, "true"); return v.is_bool() && v.as_bool(); }
bool t_integer(Interpreter&, const Value& v, CallArgs& a) { no_args(a, "integer"); return v.is_int(); }
bool t_float(Interpreter&, const Value& v, CallArgs& a) { no_args(a, "float"); return v.is_float(); }
bool t_number(Interpreter&, const Value& v, CallArgs& a) { no_args(a, "number"); return v.is_number(); }
bool t_string(Interpreter&, const Value& v, CallArgs& a) { no_args(a, "string"); return v.is_string(); }
bool t_mapping(Interpreter&, const Value& v, CallArgs& a) { no_args(a, "mapping"); return v.is_dict(); }

// len() works and there is __getitem__: str, list, tuple, dict, and jinja2's Undefined.
bool t_sequence(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "sequence");
  return v.is_string() || v.is_list() || v.is_dict() || v.is_undefined();
}

bool t_iterable(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "iterable");
  return v.is_string() || v.is_list() || v.is_dict() || v.is_iterator() || v.is_undefined() ||
         (v.is_object() && v.object_ref().type_name() == "LoopContext");
}

bool t_callable(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "callable");
  return v.is_function() || v.is_undefined() || (v.is_object() && v.object_ref().type_name() == "LoopContext");
}

bool t_lower(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "lower");
  bool cased = false;
  for (uint32_t cp : utf8_decode(py_str(v))) {
    if (py_is_upper(cp)) return false;
    cased |= py_is_lower(cp);
  }
  return cased;
}

bool t_upper(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "upper");
  bool cased = false;
  for (uint32_t cp : utf8_decode(py_str(v))) {
    if (py_is_lower(cp)) return false;
    cased |= py_is_upper(cp);
  }
  return cased;
}

bool t_odd(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "odd");
  return py_mod(v, Value::integer(2), "odd") == 1.0;
}

bool t_even(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "even");
  return py_mod(v, Value::integer(2), "even") == 0.0;
}

bool t_divisibleby(Interpreter&, const Value& v, CallArgs& a) {
  return py_mod(v, one_arg(a, "divisibleby"), "divisibleby") == 0.0;
}

bool t_sameas(Interpreter&, const Value& v, CallArgs& a) {
  const Value& other = one_arg(a, "sameas");
  if (v.kind() != other.kind()) return false;
  if (v.is_none()) return true;
  if (v.is_bool()) return v.as_bool() == other.as_bool();
  if (v.is_int()) return v.as_int() == other.as_int() && v.as_int() >= -5 && v.as_int() <= 256;  // CPython caches these
  return v.identity() != nullptr && v.identity() == other.identity();
}

bool t_escaped(Interpreter&, const Value&, CallArgs& a) { no_args(a, "escaped"); return false; }
bool t_in(Interpreter&, const Value& v, CallArgs& a) { return py_contains(one_arg(a, "in"), v); }
bool t_eq(Interpreter&, const Value& v, CallArgs& a) { return py_equal(v, one_arg(a, "eq")); }
bool t_ne(Interpreter&, const Value& v, CallArgs& a) { return !py_equal(v, one_arg(a, "ne")); }
bool t_lt(Interpreter&, const Value& v, CallArgs& a) { return py_less(v, one_arg(a, "lt")); }
bool t_gt(Interpreter&, const Value& v, CallArgs& a) { return py_less(one_arg(a, "gt"), v); }

bool t_le(Interpreter&, const Value& v, CallArgs& a) {
  const Value& o = one_arg(a, "le");
  return py_less(v, o) || py_equal(v, o);
}

bool t_ge(Interpreter&, const Value& v, CallArgs& a) {
  const Value& o = one_arg(a, "ge");
  return py_less(o, v) || py_equal(v, o);
}

bool t_filter(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "filter");
  return v.is_string() && find_filter(v.as_string()) != nullptr;
}

bool t_test(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "test");
  return v.is_string() && find_test(v.as_string()) != nullptr;
}

}  // namespace

TestFn find_test(std::string_view name) {
  static const std::unordered_map<std::string_view, TestFn> k = {
      {"defined", t_defined},   {"undefined", t_undefined}, {"none", t_none},         {"boolean", t_boolean},
      {"false", t_false},       {"true", t_true},           {"integer", t_integer},   {"float", t_float},
      {"number", t_number},     {"string", t_string},       {"mapping", t_mapping},   {"sequence", t_sequence},
      {"iterable", t_iterable}, {"callable", t_callable},   {"lower", t_lower},       {"upper", t_upper},
      {"odd", t_odd},           {"even", t_even},           {"divisibleby", t_divisibleby}, {"sameas", t_sameas},
      {"escaped", t_escaped},   {"in", t_in},               {"==", t_eq},             {"eq", t_eq},
      {"equalto", t_eq},        {"!=", t_ne},               {"ne", t_ne},             {"<", t_lt},
      {"lt", t_lt},             {"lessthan", t_lt},         {">", t_gt},              {"gt", t_gt},
      {"greaterthan", t_gt},    {"<=", t_le},               {"le", t_le},             {">=", t_ge},
      {"ge", t_ge},             {"filter", t_filter},       {"test", t_test},
  };
  auto it = k.find(name);
  return it != k.end() ? it->second : nullptr;
}

}  // namespace hearth::chat

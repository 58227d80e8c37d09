// chat: expression evaluation: Python operators, calls, attribute and item access, slicing.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include <fmt/format.h>

#include "chat/py_text.h"
#include "chat/template_builtins.h"
#include "chat/template_eval.h"

namespace hearth::chat {
namespace {

[[noreturn]] void unsupported(const char* op, const Value& a, const Value& b) {
  throw_error(ErrorKind::kType, fmt::format("unsupported operand type(s) for {}: '{}' and '{}'", op, type_name(a), type_name(b)));
}

[[noreturn]] void out_of_range() { throw_error(ErrorKind::kLimit, "integer result out of range"); }

// Python ints are unbounded; ours are 64-bit, so overflow is an error rather than a wrap.
int64_t int_add(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) out_of_range();
  return r;
}
int64_t int_sub(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) out_of_range();
  return r;
}
int64_t int_mul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) out_of_range();
  return r;
}

Value repeat(Interpreter& in, const Value& seq, int64_t n) {
  if (n < 0) n = 0;
  const size_t unit = std::max<size_t>(1, seq.is_string() ? seq.as_string().size() : seq.items().size());
  // Checked before multiplying, so a huge count cannot overflow the size computation.
  if (static_cast<uint64_t>(n) > (uint64_t{1} << 40) / unit) in.check_size(SIZE_MAX);
  if (seq.is_string()) {
    const auto& s = seq.as_string();
    in.check_size(s.size() * static_cast<size_t>(n));
    std::string out;
    out.reserve(s.size() * static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) out += s;
    return string_like(seq, std::move(out));
  }
  in.count_work(static_cast<int64_t>(seq.items().size()) * n);
  ValueList out;
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), seq.items().begin(), seq.items().end());
  return seq.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

int64_t int_pow(int64_t base, int64_t exp) {
  int64_t result = 1;
  while (exp > 0) {
    if (exp & 1) result = int_mul(result, base);
    exp >>= 1;
    if (exp) base = int_mul(base, base);
  }
  return result;
}

// Python slice index normalisation (PySlice_AdjustIndices) followed by the walk.
std::vector<size_t> slice_indices(int64_t len, const Value& start_v, const Value& stop_v, const Value& step_v) {
  auto as_index = [](const Value& v) -> std::optional<int64_t> {
    if (v.is_none() || v.is_undefined()) return std::nullopt;
    if (v.is_int() || v.is_bool()) return v.as_integer();
    throw_error(ErrorKind::kType, "slice indices must be integers or None or have an __index__ method");
  };
  const int64_t step = as_index(step_v).value_or(1);
  if (step == 0) throw_error(ErrorKind::kType, "slice step cannot be zero");
  auto adjust = [&](std::optional<int64_t> v, int64_t def, int64_t lo, int64_t hi) {
    if (!v) return def;
    int64_t x = *v;
    if (x < 0) {
      x += len;
      if (x < 0) x = lo;
    } else if (x > hi) {
      x = hi;
    }
    return x;
  };
  std::vector<size_t> out;
  if (step > 0) {
    const int64_t start = adjust(as_index(start_v), 0, 0, len);
    const int64_t stop = adjust(as_index(stop_v), len, 0, len);
    for (int64_t i = start; i < stop; i += step) out.push_back(static_cast<size_t>(i));
  } else {
    const int64_t start = adjust(as_index(start_v), len - 1, -1, len - 1);
    const int64_t stop = adjust(as_index(stop_v), -1, -1, len - 1);
    for (int64_t i = start; i > stop; i += step) out.push_back(static_cast<size_t>(i));
  }
  return out;
}

}  // namespace

Value Interpreter::eval(const Expr& e) {
  DepthGuard guard(*this, eval_depth_, options_.limits.max_eval_depth, "template evaluation");
  try {
    return eval_impl(e);
  } catch (TemplateException& ex) {
    if (ex.line == 0) ex.line = e.line;
    throw;
  }
}

Value Interpreter::eval_impl(const Expr& e) {
  using K = Expr::Kind;
  switch (e.kind) {
    case K::kConst: return e.value;
    case K::kName: return lookup(e.name);
    case K::kList:
    case K::kTuple: {
      ValueList items;
      items.reserve(e.items.size());
      for (const auto& item : e.items) items.push_back(eval(*item));
      return e.kind == K::kList ? Value::list(std::move(items)) : Value::tuple(std::move(items));
    }
    case K::kDict: {
      auto d = std::make_shared<DictData>();
      for (size_t i = 0; i + 1 < e.items.size(); i += 2) {
        Value key = eval(*e.items[i]);
        if (key.is_list() && !key.is_tuple()) throw_error(ErrorKind::kType, "unhashable type: 'list'");
        if (key.is_dict()) throw_error(ErrorKind::kType, "unhashable type: 'dict'");
        d->set(std::move(key), eval(*e.items[i + 1]));
      }
      return Value::dict(std::move(d));
    }
    case K::kGetAttr: return getattr(eval(*e.object), e.name);
    case K::kGetItem: {
      const Value obj = eval(*e.object);
      return getitem(obj, eval(*e.left));
    }
    case K::kSlice: return eval_slice(e);
    case K::kCall: return eval_call(e);
    case K::kFilter: {
      const Value input = e.object ? eval(*e.object) : Value();
      CallArgs args = eval_args(e.args);
      return apply_filter(e.name, input, args);
    }
    case K::kTest: {
      const Value input = eval(*e.object);
      CallArgs args = eval_args(e.args);
      return Value::boolean(apply_test(e.name, input, args));
    }
    case K::kNot: return Value::boolean(!truthy(eval(*e.object)));
    case K::kNeg:
    case K::kPos: {
      const Value v = eval(*e.object);
      if (v.is_undefined()) fail_undefined(v);
      if (v.is_float()) return Value::floating(e.kind == K::kNeg ? -v.as_float() : v.as_float());
      if (!v.is_number()) {
        throw_error(ErrorKind::kType, fmt::format("bad operand type for unary {}: '{}'", e.kind == K::kNeg ? '-' : '+', type_name(v)));
      }
      const int64_t i = v.as_integer();
      if (e.kind == K::kPos) return Value::integer(i);
      return Value::integer(int_sub(0, i));
    }
    case K::kAnd: {
      Value left = eval(*e.left);
      return truthy(left) ? eval(*e.right) : left;
    }
    case K::kOr: {
      Value left = eval(*e.left);
      return truthy(left) ? left : eval(*e.right);
    }
    case K::kConcat: {
      std::string s;
      for (const auto& item : e.items) {
        s += py_str(eval(*item));
        check_size(s.size());
      }
      return Value::string(std::move(s));
    }
    case K::kCompare: return eval_compare(e);
    case K::kCondExpr:
      if (truthy(eval(*e.object))) return eval(*e.left);
      if (e.right) return eval(*e.right);
      return Value::undefined(fmt::format("the inline if-expression on line {} evaluated to false and no else section was defined.", e.line));
    default: return eval_binary(e);
  }
}

Value Interpreter::eval_binary(const Expr& e) {
  using K = Expr::Kind;
  const Value a = eval(*e.left);
  const Value b = eval(*e.right);
  if (a.is_undefined()) fail_undefined(a);
  // str % undefined is allowed: Python takes anything with __getitem__ as a mapping there.
  if (a.is_string() && e.kind == K::kMod) return string_like(a, py_percent_format(*this, a.as_string(), b));
  if (b.is_undefined()) fail_undefined(b);
  const bool ints = (a.is_int() || a.is_bool()) && (b.is_int() || b.is_bool());
  const bool nums = a.is_number() && b.is_number();
  switch (e.kind) {
    case K::kAdd:
      if (ints) return Value::integer(int_add(a.as_integer(), b.as_integer()));
      if (nums) return Value::floating(a.as_double() + b.as_double());
      if (a.is_string() && b.is_string()) {
        check_size(a.as_string().size() + b.as_string().size());
        if (a.is_markup() || b.is_markup()) {
          // Markup + str escapes the plain side (markupsafe's __add__ / __radd__).
          return Value::markup(html_escape(a).as_string() + html_escape(b).as_string());
        }
        return Value::string(a.as_string() + b.as_string());
      }
      if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple() && !a.is_range() && !b.is_range()) {
        ValueList items = a.items();
        items.insert(items.end(), b.items().begin(), b.items().end());
        count_work(static_cast<int64_t>(items.size()));
        return a.is_tuple() ? Value::tuple(std::move(items)) : Value::list(std::move(items));
      }
      if (a.is_string() || (a.is_list() && !a.is_range())) {
        throw_error(ErrorKind::kType, fmt::format("can only concatenate {} (not \"{}\") to {}", type_name(a), type_name(b), type_name(a)));
      }
      unsupported("+", a, b);
    case K::kSub:
      if (ints) return Value::integer(int_sub(a.as_integer(), b.as_integer()));
      if (nums) return Value::floating(a.as_double() - b.as_double());
      unsupported("-", a, b);
    case K::kMul:
      if (ints) return Value::integer(int_mul(a.as_integer(), b.as_integer()));
      if (nums) return Value::floating(a.as_double() * b.as_double());
      if ((a.is_string() || (a.is_list() && !a.is_range())) && (b.is_int() || b.is_bool())) return repeat(*this, a, b.as_integer());
      if ((b.is_string() || (b.is_list() && !b.is_range())) && (a.is_int() || a.is_bool())) return repeat(*this, b, a.as_integer());
      unsupported("*", a, b);
    case K::kDiv:
      if (!nums) unsupported("/", a, b);
      if (b.as_double() == 0.0) throw_error(ErrorKind::kType, "division by zero");
      return Value::floating(a.as_double() / b.as_double());
    case K::kFloorDiv:
      if (!nums) unsupported("//", a, b);
      if (ints) {
        const int64_t x = a.as_integer(), y = b.as_integer();
        if (y == 0) throw_error(ErrorKind::kType, "integer division or modulo by zero");
        if (x == INT64_MIN && y == -1) out_of_range();
        int64_t q = x / y;
        if (x % y != 0 && ((x < 0) != (y < 0))) --q;
        return Value::integer(q);
      }
      if (b.as_double() == 0.0) throw_error(ErrorKind::kType, "float floor division by zero");
      return Value::floating(std::floor(a.as_double() / b.as_double()));
    case K::kMod:
      if (!nums) unsupported("%", a, b);
      if (ints) {
        const int64_t x = a.as_integer(), y = b.as_integer();
        if (y == 0) throw_error(ErrorKind::kType, "integer modulo by zero");
        if (y == -1) return Value::integer(0);
        int64_t m = x % y;
        if (m != 0 && ((m < 0) != (y < 0))) m += y;
        return Value::integer(m);
      } else {
        const double x = a.as_double(), y = b.as_double();
        if (y == 0.0) throw_error(ErrorKind::kType, "float modulo");
        double m = std::fmod(x, y);
        if (m != 0.0 && ((m < 0) != (y < 0))) m += y;
        return Value::floating(m);
      }
    case K::kPow:
      if (!nums) unsupported("** or pow()", a, b);
      if (ints && b.as_integer() >= 0) return Value::integer(int_pow(a.as_integer(), b.as_integer()));
      if (a.as_double() == 0.0 && b.as_double() < 0) throw_error(ErrorKind::kType, "0.0 cannot be raised to a negative power");
      return Value::floating(std::pow(a.as_double(), b.as_double()));
    default: throw_error(ErrorKind::kRuntime, "unknown operator");
  }
}

Value Interpreter::eval_compare(const Expr& e) {
  Value left = eval(*e.left);
  for (size_t i = 0; i < e.ops.size(); ++i) {
    Value right = eval(*e.items[i]);
    const std::string& op = e.ops[i];
    bool ok;
    if (op == "==") {
      ok = py_equal(left, right);
    } else if (op == "!=") {
      ok = !py_equal(left, right);
    } else if (op == "<") {
      ok = py_less(left, right);
    } else if (op == ">") {
      ok = py_less(right, left);
    } else if (op == "<=") {
      ok = py_less(left, right) || py_equal(left, right);
    } else if (op == ">=") {
      ok = py_less(right, left) || py_equal(left, right);
    } else if (op == "in") {
      ok = py_contains(right, left);
    } else {
      ok = !py_contains(right, left);
    }
    if (!ok) return Value::boolean(false);
    left = std::move(right);
  }
  return Value::boolean(true);
}

CallArgs Interpreter::eval_args(const CallArgsExpr& a) {
  CallArgs args;
  args.positional.reserve(a.positional.size());
  for (const auto& p : a.positional) args.positional.push_back(eval(*p));
  if (a.star_args) {
    for (auto& v : iterate(eval(*a.star_args))) args.positional.push_back(std::move(v));
  }
  for (const auto& k : a.keyword) args.keyword.emplace_back(k.name, eval(*k.value));
  if (a.star_kwargs) {
    const Value d = eval(*a.star_kwargs);
    if (!d.is_dict()) throw_error(ErrorKind::kType, fmt::format("argument after ** must be a mapping, not {}", type_name(d)));
    for (const auto& [k, v] : d.dict_data().entries()) {
      if (!k.is_string()) throw_error(ErrorKind::kType, "keywords must be strings");
      args.keyword.emplace_back(k.as_string(), v);
    }
  }
  return args;
}

Value Interpreter::eval_call(const Expr& e) {
  Value callee;
  if (e.object->kind == Expr::Kind::kGetAttr) {
    // obj.method(...): call str/list/dict methods directly instead of binding them first.
    const Value obj = eval(*e.object->object);
    if ((obj.is_string() || obj.is_list() || obj.is_dict()) && method_kind(obj, e.object->name) == MethodKind::kSafe) {
      CallArgs args = eval_args(e.args);
      return call_method(*this, obj, e.object->name, args);
    }
    callee = getattr(obj, e.object->name);
  } else {
    callee = eval(*e.object);
  }
  CallArgs args = eval_args(e.args);
  return call(callee, args);
}

Value Interpreter::eval_slice(const Expr& e) {
  const Value obj = eval(*e.object);
  const Value start = e.start ? eval(*e.start) : Value::none();
  const Value stop = e.stop ? eval(*e.stop) : Value::none();
  const Value step = e.step ? eval(*e.step) : Value::none();
  if (obj.is_undefined()) fail_undefined(obj);
  if (obj.is_list()) {
    ValueList out;
    for (size_t i : slice_indices(static_cast<int64_t>(obj.items().size()), start, stop, step)) out.push_back(obj.items()[i]);
    return obj.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
  }
  if (obj.is_string()) {
    const std::string& s = obj.as_string();
    std::string out;
    if (is_ascii(s)) {
      for (size_t i : slice_indices(static_cast<int64_t>(s.size()), start, stop, step)) out.push_back(s[i]);
    } else {
      const auto cps = utf8_decode(s);
      for (size_t i : slice_indices(static_cast<int64_t>(cps.size()), start, stop, step)) utf8_append(out, cps[i]);
    }
    return string_like(obj, std::move(out));
  }
  return Value::undefined(fmt::format("{} has no element slice({}, {}, {})", object_description(obj), py_repr(start),
                                      py_repr(stop), py_repr(step)));
}

Value Interpreter::getattr(const Value& obj, std::string_view name) {
  if (obj.is_undefined()) fail_undefined(obj);
  const bool dunder = name.size() > 4 && name.substr(0, 2) == "__" && name.substr(name.size() - 2) == "__";
  if (dunder) {
    return Value::undefined(fmt::format("access to attribute '{}' of '{}' object is unsafe.", name, type_name(obj)), true);
  }
  if (obj.is_string() || obj.is_list() || obj.is_dict()) {
    switch (method_kind(obj, name)) {
      case MethodKind::kSafe: {
        std::string method(name);
        return Value::function(method, [obj, method](Interpreter& in, CallArgs& args) {
          return call_method(in, obj, method, args);
        });
      }
      case MethodKind::kUnsafe:
        return Value::undefined(fmt::format("access to attribute '{}' of '{}' object is unsafe.", name, type_name(obj)), true);
      case MethodKind::kNone: break;
    }
    if (obj.is_dict()) {
      if (const Value* v = obj.dict_data().find(name)) return *v;
    }
  } else if (obj.is_object()) {
    if (auto v = obj.object_ref().get_attr(name)) return *v;
  }
  return Value::undefined(fmt::format("'{}' has no attribute {}", object_description(obj), py_str_repr(name)));
}

Value Interpreter::getitem(const Value& obj, const Value& key) {
  if (obj.is_undefined()) fail_undefined(obj);
  if (obj.is_dict()) {
    if (key.is_list() && !key.is_tuple()) throw_error(ErrorKind::kType, "unhashable type: 'list'");
    if (const Value* v = obj.dict_data().find(key)) return *v;
  } else if ((obj.is_list() || obj.is_string()) && (key.is_int() || key.is_bool())) {
    int64_t i = key.as_integer();
    if (obj.is_list()) {
      const auto n = static_cast<int64_t>(obj.items().size());
      if (i < 0) i += n;
      if (i >= 0 && i < n) return obj.items()[static_cast<size_t>(i)];
    } else {
      const std::string& s = obj.as_string();
      if (is_ascii(s)) {
        const auto n = static_cast<int64_t>(s.size());
        if (i < 0) i += n;
        if (i >= 0 && i < n) return string_like(obj, std::string(1, s[static_cast<size_t>(i)]));
      } else {
        const auto cps = utf8_decode(s);
        const auto n = static_cast<int64_t>(cps.size());
        if (i < 0) i += n;
        if (i >= 0 && i < n) {
          std::string one;
          utf8_append(one, cps[static_cast<size_t>(i)]);
          return string_like(obj, std::move(one));
        }
      }
    }
  }
  if (key.is_string()) {
    // Not an item: jinja2 falls back to the attribute of that name (a method, or undefined).
    if (obj.is_dict() && method_kind(obj, key.as_string()) == MethodKind::kNone) {
      return Value::undefined(fmt::format("'{}' has no attribute {}", object_description(obj), py_str_repr(key.as_string())));
    }
    return getattr(obj, key.as_string());
  }
  return Value::undefined(fmt::format("{} has no element {}", object_description(obj), py_repr(key)));
}

}  // namespace hearth::chat

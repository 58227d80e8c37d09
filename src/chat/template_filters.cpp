// chat: jinja2's filters on single values and strings (sequence filters: template_seq_filters.cpp).
#include <cmath>
#include <cstdlib>
#include <unordered_map>

#include <fmt/format.h>

#include "chat/py_text.h"
#include "chat/template_builtins.h"

namespace hearth::chat {

// ---- argument helpers ----

ArgReader::ArgReader(std::string_view function, CallArgs& args, std::initializer_list<std::string_view> names) {
  bound_.assign(names.size(), nullptr);
  if (args.positional.size() > names.size()) {
    throw_error(ErrorKind::kType, fmt::format("{}() takes at most {} argument(s) ({} given)", function, names.size(),
                                              args.positional.size()));
  }
  for (size_t i = 0; i < args.positional.size(); ++i) bound_[i] = &args.positional[i];
  for (const auto& [key, value] : args.keyword) {
    size_t i = 0;
    for (auto n : names) {
      if (n == key) break;
      ++i;
    }
    if (i == names.size()) {
      throw_error(ErrorKind::kType, fmt::format("{}() got an unexpected keyword argument '{}'", function, key));
    }
    if (bound_[i]) throw_error(ErrorKind::kType, fmt::format("{}() got multiple values for argument '{}'", function, key));
    bound_[i] = &value;
  }
}

const Value* ArgReader::get(size_t index) const { return index < bound_.size() ? bound_[index] : nullptr; }
Value ArgReader::get_or(size_t index, Value fallback) const {
  const Value* v = get(index);
  return v ? *v : fallback;
}

namespace {

// Python int(str): optional sign and surrounding whitespace, digits with single underscores.
std::optional<int64_t> parse_int_text(std::string_view s, int base) {
  size_t b = 0, e = s.size();
  while (b < e && py_isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && py_isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  bool negative = false;
  if (b < e && (s[b] == '+' || s[b] == '-')) negative = s[b++] == '-';
  // A 0x / 0o / 0b prefix is allowed when it matches the base (base 0 picks it from the prefix).
  if (e - b > 2 && s[b] == '0') {
    const char p = static_cast<char>(s[b + 1] | 32);
    const int prefix_base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
    if (prefix_base && (base == prefix_base || base == 0)) {
      base = prefix_base;
      b += 2;
      if (b < e && s[b] == '_') ++b;
    }
  }
  if (base == 0) base = 10;
  if (b == e) return std::nullopt;
  uint64_t value = 0;
  bool previous_digit = false;
  for (size_t i = b; i < e; ++i) {
    const char c = s[i];
    if (c == '_' && previous_digit && i + 1 < e) {
      previous_digit = false;
      continue;
    }
    const int d = c >= '0' && c <= '9' ? c - '0' : (c | 32) >= 'a' && (c | 32) <= 'z' ? (c | 32) - 'a' + 10 : 99;
    if (d >= base) return std::nullopt;
    if (__builtin_mul_overflow(value, static_cast<uint64_t>(base), &value) ||
        __builtin_add_overflow(value, static_cast<uint64_t>(d), &value) || value > static_cast<uint64_t>(INT64_MAX)) {
      return std::nullopt;
    }
    previous_digit = true;
  }
  if (!previous_digit) return std::nullopt;
  return negative ? -static_cast<int64_t>(value) : static_cast<int64_t>(value);
}

// Python float(str); nullopt when the text is not a float literal.
std::optional<double> parse_float_text(const std::string& s) {
  std::string t = py_strip(s, nullptr, true, true);
  std::string clean;
  for (char c : t) {
    if (c != '_') clean.push_back(c);
  }
  if (clean.empty()) return std::nullopt;
  char* end = nullptr;
  const double d = std::strtod(clean.c_str(), &end);
  if (end != clean.c_str() + clean.size()) return std::nullopt;
  // strtod takes hex floats and "infinity"/"nan(...)"; Python accepts "inf", "infinity", "nan".
  if (clean.find_first_of("xX(") != std::string::npos) return std::nullopt;
  return d;
}

std::optional<double> to_float(const Value& v) {
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_number()) return v.as_double();
  if (v.is_string()) return parse_float_text(v.as_string());
  return std::nullopt;
}

std::string soft_str(const Value& v) { return py_str(v); }

// ---- filters ----

Value f_length(Interpreter&, const Value& v, CallArgs& args) {
  ArgReader r("length", args, {});
  return Value::integer(py_len(v));
}

Value f_trim(Interpreter&, const Value& v, CallArgs& args) {
  ArgReader r("trim", args, {"chars"});
  const Value* chars = r.get(0);
  std::string set;
  if (chars && !chars->is_none()) set = py_str(*chars);
  return string_like(v, py_strip(soft_str(v), chars && !chars->is_none() ? &set : nullptr, true, true));
}

Value f_string(Interpreter&, const Value& v, CallArgs& args) {
  ArgReader r("string", args, {});
  return v.is_string() ? v : Value::string(soft_str(v));
}

Value f_safe(Interpreter&, const Value& v, CallArgs& args) {
  ArgReader r("safe", args, {});
  return v.is_markup() ? v : Value::markup(soft_str(v));
}

Value f_default(Interpreter&, const Value& v, CallArgs& args) {
  ArgReader r("default", args, {"default_value", "boolean"});
  const bool boolean = truthy(r.get_or(1, Value::boolean(false)));
  if (v.is_undefined() || (boolean && !truthy(v))) return r.get_or(0, Value::string(""));
  return v;
}

Value f_upper(Interpreter&, const Value& v, CallArgs& args) {
  ArgReader r("upper", args, {});
  return string_like(v, py_upper(soft_str(v)));
}

Value f_lower(Interpreter&, const Value& v, CallArgs& args) {
  ArgReader r("lower", args, {});
  return string_like(v, py_lower(soft_str(v)));
}

Value f_capitalize(Interpreter&, const Value& v, CallArgs& args) {
  ArgReader r("capitalize", args, {});
  return string_like(v, py_capitalize(soft_str(v)));
}

// jinja2's title: each word split on whitespace and -({[< gets an upper first letter.
Value f_title(Interpreter&, const Value& v, CallArgs& args) {
  ArgReader r("title", args, {});
  const auto cps = utf8_decode(soft_str(v));
  std::string out;
  bool word_start = true;
  for (uint32_t cp : cps) {
    const bool sep = py_isspace(cp) || cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<';
    utf8_append(out, sep ? cp : word_start ? py_to_upper(cp) : py_to_lower(cp));
    word_start = sep;
  }
  return Value::string(std::move(out));
}

Value f_replace(Interpreter& in, const Value& v, CallArgs& args) {
  ArgReader r("replace", args, {"old", "new", "count"});
  if (!r.get(0) || !r.get(1)) throw_error(ErrorKind::kType, "replace() missing required arguments 'old' and 'new'");
  CallArgs method_args;
  method_args.positional = {Value::string(soft_str(*r.get(0))), Value::string(soft_str(*r.get(1)))};
  if (const Value* count = r.get(2); count && !count->is_none()) method_args.positional.push_back(*count);
  return call_method(in, Value::string(soft_str(v)), "replace", method_args);
}

Value f_center(Interpreter& in, const Value& v, CallArgs& args) {
  ArgReader r("center", args, {"width"});
  CallArgs method_args;
  method_args.positional = {r.get_or(0, Value::integer(80))};
  return call_method(in, v.is_string() ? v : Value::string(soft_str(v)), "center", method_args);
}

Value f_int(Interpreter&, const Value& v, CallArgs& args) {
  ArgReader r("int", args, {"default", "base"});
  const Value fallback = r.get_or(0, Value::integer(0));
  const int64_t base = r.get(1) ? expect_int(*r.get(1), "base") : 10;
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_string()) {
    if (base != 0 && (base < 2 || base > 36)) throw_error(ErrorKind::kType, "int() base must be >= 2 and <= 36, or 0");
    if (auto i = parse_int_text(v.as_string(), static_cast<int>(base))) return Value::integer(*i);
  }
  if (v.is_int() || v.is_bool()) return Value::integer(v.as_integer());
  if (auto d = to_float(v); d && std::isfinite(*d) && std::fabs(*d) < 9.2e18) return Value::integer(static_cast<int64_t>(*d));
  return fallback;
}

Value f_float(Interpreter&, const Value& v, CallArgs& args) {
  ArgReader r("float", args, {"default"});
  if (auto d = to_float(v)) return Value::floating(*d);
  return r.get_or(0, Value::floating(0.0));
}

Value f_abs(Interpreter&, const Value& v, CallArgs& args) {
  ArgReader r("abs", args, {});
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_float()) return Value::floating(std::fabs(v.as_float()));
  if (!v.is_number()) throw_error(ErrorKind::kType, fmt::format("bad operand type for abs(): '{}'", type_name(v)));
  const int64_t i = v.as_integer();
  if (i == INT64_MIN) throw_error(ErrorKind::kLimit, "integer result out of range");
  return Value::integer(i < 0 ? -i : i);
}

Value f_round(Interpreter&, const Value& v, CallArgs& args) {
  ArgReader r("round", args, {"precision", "method"});
  const int64_t precision = r.get(0) ? expect_int(*r.get(0), "precision") : 0;
  const std::string method = r.get(1) ? expect_string(*r.get(1), "method") : "common";
  if (method != "common" && method != "ceil" && method != "floor") {
    throw_error(ErrorKind::kType, "method must be common, ceil or floor");
  }
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_number()) throw_error(ErrorKind::kType, fmt::format("type {} doesn't define __round__ method", type_name(v)));
  if (method == "common") {
    if (!v.is_float()) return Value::integer(v.as_integer());  // round(int, n) stays an int
    if (precision < 0 || precision > 300) return Value::floating(v.as_float());
    // printf rounds the exact binary value, half to even: the same result as Python's round().
    const std::string text = fmt::format("{:.{}f}", v.as_float(), static_cast<int>(precision));
    return Value::floating(std::strtod(text.c_str(), nullptr));
  }
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double x = v.as_double() * scale;
  return Value::floating((method == "ceil" ? std::ceil(x) : std::floor(x)) / scale);
}

// Python str.splitlines(): the line breaks it recognises.
std::vector<std::string> splitlines(const std::string& s) {
  std::vector<std::string> lines;
  const auto cps = utf8_decode(s);
  size_t start = 0;
  for (size_t i = 0; i < cps.size(); ++i) {
    const uint32_t c = cps[i];
    const bool brk = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E ||
                     c == 0x85 || c == 0x2028 || c == 0x2029;
    if (!brk) continue;
    lines.push_back(utf8_encode(cps, start, i));
    if (c == '\r' && i + 1 < cps.size() && cps[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < cps.size()) lines.push_back(utf8_encode(cps, start, cps.size()));
  return lines;
}

Value f_indent(Interpreter&, const Value& v, CallArgs& args) {
  ArgReader r("indent", args, {"width", "first", "blank"});
  const Value width = r.get_or(0, Value::integer(4));
  const std::string indention =
      width.is_string() ? width.as_string() : std::string(static_cast<size_t>(std::max<int64_t>(0, expect_int(width, "width"))), ' ');
  const bool first = truthy(r.get_or(1, Value::boolean(false)));
  const bool blank = truthy(r.get_or(2, Value::boolean(false)));
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_string()) {  // jinja2 does `s += "\n"` on the value itself
    throw_error(ErrorKind::kType, fmt::format("unsupported operand type(s) for +=: '{}' and 'str'", type_name(v)));
  }
  const std::vector<std::string> lines = splitlines(v.as_string() + "\n");
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) {
      out += "\n";
      if (blank || !lines[i].empty()) out += indention;
    }
    out += lines[i];
  }
  if (first) out = indention + out;
  return string_like(v, std::move(out));
}

Value f_truncate(Interpreter&, const Value& v, CallArgs& args) {
  ArgReader r("truncate", args, {"length", "killwords", "end", "leeway"});
  const int64_t length = r.get(0) ? expect_int(*r.get(0), "length") : 255;
  const bool killwords = truthy(r.get_or(1, Value::boolean(false)));
  const std::string end = r.get(2) ? expect_string(*r.get(2), "end") : "...";
  const int64_t leeway = r.get(3) && !r.get(3)->is_none() ? expect_int(*r.get(3), "leeway") : 5;
  const auto cps = utf8_decode(soft_str(v));
  const auto end_len = static_cast<int64_t>(utf8_length(end));
  if (length < end_len) throw_error(ErrorKind::kType, fmt::format("expected length >= {}, got {}", end_len, length));
  if (static_cast<int64_t>(cps.size()) <= length + leeway) return v.is_string() ? v : Value::string(soft_str(v));
  std::string head = utf8_encode(cps, 0, static_cast<size_t>(length - end_len));
  if (!killwords) {
    const size_t space = head.rfind(' ');
    if (space != std::string::npos) head.resize(space);
  }
  return string_like(v, head + end);
}

Value f_wordcount(Interpreter&, const Value& v, CallArgs& args) {
  ArgReader r("wordcount", args, {});
  int64_t words = 0;
  bool in_word = false;
  for (uint32_t cp : utf8_decode(soft_str(v))) {
    const bool word_char = py_is_alpha(cp) || py_is_digit(cp) || cp == '_';
    if (word_char && !in_word) ++words;
    in_word = word_char;
  }
  return Value::integer(words);
}

Value f_escape(Interpreter&, const Value& v, CallArgs& args) {
  ArgReader r("escape", args, {});
  return html_escape(v);
}

Value f_forceescape(Interpreter&, const Value& v, CallArgs& args) {
  ArgReader r("forceescape", args, {});
  return html_escape(Value::string(py_str(v)));
}

Value f_format(Interpreter& in, const Value& v, CallArgs& args) {
  if (!args.positional.empty() && !args.keyword.empty()) {
    throw_error(ErrorKind::kType, "can't handle positional and keyword arguments at the same time");
  }
  if (!args.keyword.empty()) {
    auto d = std::make_shared<DictData>();
    for (auto& [k, val] : args.keyword) d->set(Value::string(k), val);
    return string_like(v, py_percent_format(in, soft_str(v), Value::dict(d)));
  }
  return string_like(v, py_percent_format(in, soft_str(v), Value::tuple(args.positional)));
}

// transformers' tojson: json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False).
Value f_tojson(Interpreter&, const Value& v, CallArgs& args) {
  ArgReader r("tojson", args, {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonFormat format;
  format.ensure_ascii = truthy(r.get_or(0, Value::boolean(false)));
  if (const Value* indent = r.get(1); indent && !indent->is_none()) {
    if (indent->is_string()) {
      format.indent = indent->as_string();
    } else {
      format.indent = std::string(static_cast<size_t>(std::max<int64_t>(0, expect_int(*indent, "indent"))), ' ');
    }
    format.item_separator.assign(1, ',');  // (GCC 12 warns falsely on = ",")
  }
  if (const Value* seps = r.get(2); seps && !seps->is_none()) {
    if (!seps->is_list() || seps->items().size() != 2) {
      throw_error(ErrorKind::kType, "separators must be an (item_separator, key_separator) pair");
    }
    format.item_separator = expect_string(seps->items()[0], "item separator");
    format.key_separator = expect_string(seps->items()[1], "key separator");
  }
  format.sort_keys = truthy(r.get_or(3, Value::boolean(false)));
  return Value::string(to_json(v, format));
}

Value f_attr(Interpreter& in, const Value& v, CallArgs& args) {
  ArgReader r("attr", args, {"name"});
  if (!r.get(0)) throw_error(ErrorKind::kType, "attr() missing required argument 'name'");
  const std::string& name = expect_string(*r.get(0), "name");
  // Only real attributes (methods, namespace attributes), never dict items.
  if (v.is_object() || method_kind(v, name) != MethodKind::kNone) return in.getattr(v, name);
  return Value::undefined(fmt::format("'{}' has no attribute {}", object_description(v), py_str_repr(name)));
}

const std::unordered_map<std::string_view, FilterFn>& value_filters() {
  static const std::unordered_map<std::string_view, FilterFn> k = {
      {"length", f_length},   {"count", f_length},       {"trim", f_trim},       {"string", f_string},
      {"safe", f_safe},       {"default", f_default},    {"d", f_default},       {"upper", f_upper},
      {"lower", f_lower},     {"capitalize", f_capitalize}, {"title", f_title},  {"replace", f_replace},
      {"center", f_center},   {"int", f_int},            {"float", f_float},     {"abs", f_abs},
      {"round", f_round},     {"indent", f_indent},      {"truncate", f_truncate}, {"wordcount", f_wordcount},
      {"escape", f_escape},   {"e", f_escape},           {"forceescape", f_forceescape}, {"format", f_format},
      {"tojson", f_tojson},   {"attr", f_attr},
  };
  return k;
}

}  // namespace

FilterFn find_filter(std::string_view name) {
  const auto& table = value_filters();
  auto it = table.find(name);
  return it != table.end() ? it->second : find_sequence_filter(name);
}

int64_t expect_int(const Value& v, std::string_view what) {
  if (v.is_int() || v.is_bool()) return v.as_integer();
  if (v.is_undefined()) fail_undefined(v);
  throw_error(ErrorKind::kType, fmt::format("{} must be an integer, not '{}'", what, type_name(v)));
}

const std::string& expect_string(const Value& v, std::string_view what) {
  if (v.is_string()) return v.as_string();
  if (v.is_undefined()) fail_undefined(v);
  throw_error(ErrorKind::kType, fmt::format("{} must be a string, not '{}'", what, type_name(v)));
}

}  // namespace hearth::chat

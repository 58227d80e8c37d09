// chat: Python str / list / dict methods as the immutable sandbox exposes them (mutating methods
// such as list.append or dict.update are refused: SecurityError).
#include <algorithm>
#include <unordered_set>

#include <fmt/format.h>

#include "chat/py_text.h"
#include "chat/template_builtins.h"

namespace hearth::chat {

namespace {

using Set = std::unordered_set<std::string_view>;

const Set kStrMethods = {"capitalize", "casefold", "center", "count", "endswith", "find", "format", "index",
                         "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "islower", "isnumeric",
                         "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip", "partition",
                         "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition",
                         "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title",
                         "upper", "zfill"};
const Set kListMethods = {"copy", "count", "index"};
const Set kTupleMethods = {"count", "index"};
const Set kListUnsafe = {"append", "clear", "pop", "reverse", "insert", "sort", "extend", "remove"};
const Set kDictMethods = {"copy", "get", "items", "keys", "values"};
const Set kDictUnsafe = {"clear", "pop", "popitem", "setdefault", "update"};

const std::string* optional_chars(const Value* v, std::string& storage) {
  if (!v || v->is_none()) return nullptr;
  storage = expect_string(*v, "chars");
  return &storage;
}

// Python str.split / rsplit.
ValueList split(const std::string& s, const Value* sep_v, int64_t maxsplit, bool from_right) {
  std::vector<std::string> parts;
  if (!sep_v || sep_v->is_none()) {
    // Runs of whitespace separate; leading and trailing whitespace yields nothing.
    auto cps = utf8_decode(s);
    if (from_right) std::reverse(cps.begin(), cps.end());
    size_t i = 0;
    int64_t splits = 0;
    while (true) {
      while (i < cps.size() && py_isspace(cps[i])) ++i;
      if (i >= cps.size()) break;
      if (maxsplit >= 0 && splits >= maxsplit) {
        size_t end = cps.size();
        while (end > i && py_isspace(cps[end - 1])) --end;
        std::vector<uint32_t> rest(cps.begin() + static_cast<std::ptrdiff_t>(i), cps.begin() + static_cast<std::ptrdiff_t>(end));
        if (from_right) std::reverse(rest.begin(), rest.end());
        parts.push_back(utf8_encode(rest, 0, rest.size()));
        break;
      }
      size_t j = i;
      while (j < cps.size() && !py_isspace(cps[j])) ++j;
      std::vector<uint32_t> word(cps.begin() + static_cast<std::ptrdiff_t>(i), cps.begin() + static_cast<std::ptrdiff_t>(j));
      if (from_right) std::reverse(word.begin(), word.end());
      parts.push_back(utf8_encode(word, 0, word.size()));
      ++splits;
      i = j;
    }
    if (from_right) std::reverse(parts.begin(), parts.end());
  } else {
    const std::string& sep = expect_string(*sep_v, "separator");
    if (sep.empty()) throw_error(ErrorKind::kType, "empty separator");
    if (!from_right) {
      size_t start = 0;
      for (int64_t n = 0; maxsplit < 0 || n < maxsplit; ++n) {
        const size_t hit = s.find(sep, start);
        if (hit == std::string::npos) break;
        parts.push_back(s.substr(start, hit - start));
        start = hit + sep.size();
      }
      parts.push_back(s.substr(start));
    } else {
      size_t end = s.size();
      for (int64_t n = 0; maxsplit < 0 || n < maxsplit; ++n) {
        if (end < sep.size()) break;
        const size_t hit = s.rfind(sep, end - sep.size());
        if (hit == std::string::npos) break;
        parts.push_back(s.substr(hit + sep.size(), end - hit - sep.size()));
        end = hit;
      }
      parts.push_back(s.substr(0, end));
      std::reverse(parts.begin(), parts.end());
    }
  }
  ValueList out;
  out.reserve(parts.size());
  for (auto& p : parts) out.push_back(Value::string(std::move(p)));
  return out;
}

// startswith/endswith take a string or a tuple of strings.
bool affix_match(const std::string& s, const Value& affix, bool prefix) {
  auto one = [&](const Value& a) {
    const std::string& x = expect_string(a, prefix ? "startswith argument" : "endswith argument");
    if (x.size() > s.size()) return false;
    return prefix ? s.compare(0, x.size(), x) == 0 : s.compare(s.size() - x.size(), x.size(), x) == 0;
  };
  if (affix.is_tuple()) return std::any_of(affix.items().begin(), affix.items().end(), one);
  return one(affix);
}

// Byte offset -> code point index (Python's str indexes count code points).
int64_t cp_index(const std::string& s, size_t byte_offset) {
  return static_cast<int64_t>(utf8_length(std::string_view(s).substr(0, byte_offset)));
}

Value pad(const std::string& s, const Value* width_v, const Value* fill_v, int where) {
  const int64_t width = width_v ? expect_int(*width_v, "width") : 0;
  std::string fill = fill_v ? expect_string(*fill_v, "fillchar") : " ";
  if (utf8_length(fill) != 1) throw_error(ErrorKind::kType, "The fill character must be exactly one character long");
  const auto len = static_cast<int64_t>(utf8_length(s));
  if (width <= len) return Value::string(s);
  const int64_t total = width - len;
  // center: CPython puts the extra space on the right unless len and width are both odd.
  int64_t left = where < 0 ? 0 : where > 0 ? total : total / 2 + (total & width & 1);
  std::string out;
  for (int64_t i = 0; i < left; ++i) out += fill;
  out += s;
  for (int64_t i = 0; i < total - left; ++i) out += fill;
  return Value::string(std::move(out));
}

bool all_cps(const std::string& s, bool (*pred)(uint32_t)) {
  if (s.empty()) return false;
  for (uint32_t cp : utf8_decode(s)) {
    if (!pred(cp)) return false;
  }
  return true;
}

Value string_method(Interpreter& in, const std::string& s, std::string_view name, CallArgs& args) {
  std::string chars;
  if (name == "format") return Value::string(py_str_format(in, s, args));
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    ArgReader r(name, args, {"chars"});
    return Value::string(py_strip(s, optional_chars(r.get(0), chars), name != "rstrip", name != "lstrip"));
  }
  if (name == "split" || name == "rsplit") {
    ArgReader r(name, args, {"sep", "maxsplit"});
    const int64_t maxsplit = r.get(1) ? expect_int(*r.get(1), "maxsplit") : -1;
    ValueList parts = split(s, r.get(0), maxsplit, name == "rsplit");
    in.count_work(static_cast<int64_t>(parts.size()));
    return Value::list(std::move(parts));
  }
  if (name == "startswith" || name == "endswith") {
    ArgReader r(name, args, {"prefix"});
    if (!r.get(0)) throw_error(ErrorKind::kType, fmt::format("{}() takes at least 1 argument (0 given)", name));
    return Value::boolean(affix_match(s, *r.get(0), name == "startswith"));
  }
  if (name == "replace") {
    ArgReader r(name, args, {"old", "new", "count"});
    if (!r.get(0) || !r.get(1)) throw_error(ErrorKind::kType, "replace() takes at least 2 arguments");
    const std::string& from = expect_string(*r.get(0), "old");
    const std::string& to = expect_string(*r.get(1), "new");
    int64_t count = r.get(2) ? expect_int(*r.get(2), "count") : -1;
    std::string out;
    if (from.empty()) {
      // Python inserts `to` before every code point and at the end.
      const auto cps = utf8_decode(s);
      for (size_t i = 0; i <= cps.size(); ++i) {
        if (count < 0 || static_cast<int64_t>(i) < count) out += to;
        if (i < cps.size()) utf8_append(out, cps[i]);
        in.check_size(out.size());
      }
      return Value::string(std::move(out));
    }
    size_t start = 0;
    for (size_t hit; count != 0 && (hit = s.find(from, start)) != std::string::npos; --count) {
      out.append(s, start, hit - start);
      out += to;
      start = hit + from.size();
      in.check_size(out.size());
    }
    out.append(s, start, std::string::npos);
    return Value::string(std::move(out));
  }
  if (name == "upper" || name == "lower" || name == "casefold" || name == "title" || name == "capitalize") {
    ArgReader r(name, args, {});
    if (name == "upper") return Value::string(py_upper(s));
    if (name == "title") return Value::string(py_title(s));
    if (name == "capitalize") return Value::string(py_capitalize(s));
    return Value::string(py_lower(s));
  }
  if (name == "swapcase") {
    ArgReader r(name, args, {});
    std::string out;
    for (uint32_t cp : utf8_decode(s)) utf8_append(out, py_is_upper(cp) ? py_to_lower(cp) : py_to_upper(cp));
    return Value::string(std::move(out));
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count") {
    ArgReader r(name, args, {"sub"});
    if (!r.get(0)) throw_error(ErrorKind::kType, fmt::format("{}() takes at least 1 argument (0 given)", name));
    const std::string& sub = expect_string(*r.get(0), "substring");
    if (name == "count") {
      if (sub.empty()) return Value::integer(static_cast<int64_t>(utf8_length(s)) + 1);
      int64_t n = 0;
      for (size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size())) ++n;
      return Value::integer(n);
    }
    const size_t hit = name[0] == 'r' ? s.rfind(sub) : s.find(sub);
    if (hit == std::string::npos) {
      if (name == "index" || name == "rindex") throw_error(ErrorKind::kType, "substring not found");
      return Value::integer(-1);
    }
    return Value::integer(cp_index(s, hit));
  }
  if (name == "join") {
    ArgReader r(name, args, {"iterable"});
    if (!r.get(0)) throw_error(ErrorKind::kType, "join() takes exactly one argument (0 given)");
    std::string out;
    bool first = true;
    for (const auto& item : iterate(*r.get(0))) {
      if (!item.is_string()) {
        throw_error(ErrorKind::kType, fmt::format("sequence item: expected str instance, {} found", type_name(item)));
      }
      if (!first) out += s;
      first = false;
      out += item.as_string();
      in.check_size(out.size());
    }
    return Value::string(std::move(out));
  }
  if (name == "center" || name == "ljust" || name == "rjust") {
    ArgReader r(name, args, {"width", "fillchar"});
    return pad(s, r.get(0), r.get(1), name == "center" ? 0 : name == "ljust" ? -1 : 1);
  }
  if (name == "zfill") {
    ArgReader r(name, args, {"width"});
    const int64_t width = r.get(0) ? expect_int(*r.get(0), "width") : 0;
    const auto len = static_cast<int64_t>(utf8_length(s));
    if (width <= len) return Value::string(s);
    const bool sign = !s.empty() && (s[0] == '+' || s[0] == '-');
    std::string out = sign ? s.substr(0, 1) : "";
    out.append(static_cast<size_t>(width - len), '0');
    out += sign ? s.substr(1) : s;
    return Value::string(std::move(out));
  }
  if (name == "removeprefix" || name == "removesuffix") {
    ArgReader r(name, args, {"affix"});
    if (!r.get(0)) throw_error(ErrorKind::kType, fmt::format("{}() takes exactly one argument (0 given)", name));
    const std::string& a = expect_string(*r.get(0), "affix");
    if (affix_match(s, Value::string(a), name == "removeprefix") && !a.empty()) {
      return Value::string(name == "removeprefix" ? s.substr(a.size()) : s.substr(0, s.size() - a.size()));
    }
    return Value::string(s);
  }
  if (name == "partition" || name == "rpartition") {
    ArgReader r(name, args, {"sep"});
    if (!r.get(0)) throw_error(ErrorKind::kType, fmt::format("{}() takes exactly one argument (0 given)", name));
    const std::string& sep = expect_string(*r.get(0), "sep");
    if (sep.empty()) throw_error(ErrorKind::kType, "empty separator");
    const size_t hit = name == "partition" ? s.find(sep) : s.rfind(sep);
    if (hit == std::string::npos) {
      return name == "partition" ? Value::tuple({Value::string(s), Value::string(""), Value::string("")})
                                 : Value::tuple({Value::string(""), Value::string(""), Value::string(s)});
    }
    return Value::tuple({Value::string(s.substr(0, hit)), Value::string(sep), Value::string(s.substr(hit + sep.size()))});
  }
  if (name == "splitlines") {
    ArgReader r(name, args, {"keepends"});
    ValueList out;
    std::string cur;
    const auto cps = utf8_decode(s);
    for (size_t i = 0; i < cps.size(); ++i) {
      const uint32_t c = cps[i];
      const bool brk = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || (c >= 0x1C && c <= 0x1E) || c == 0x85 ||
                       c == 0x2028 || c == 0x2029;
      if (!brk) {
        utf8_append(cur, c);
        continue;
      }
      const bool crlf = c == '\r' && i + 1 < cps.size() && cps[i + 1] == '\n';
      if (truthy(r.get_or(0, Value::boolean(false)))) {
        utf8_append(cur, c);
        if (crlf) cur.push_back('\n');
      }
      if (crlf) ++i;
      out.push_back(Value::string(std::exchange(cur, {})));
    }
    if (!cur.empty()) out.push_back(Value::string(std::move(cur)));
    return Value::list(std::move(out));
  }
  ArgReader r(name, args, {});
  if (name == "isspace") return Value::boolean(all_cps(s, py_isspace));
  if (name == "isalpha") return Value::boolean(all_cps(s, py_is_alpha));
  if (name == "isdigit" || name == "isdecimal" || name == "isnumeric") return Value::boolean(all_cps(s, py_is_digit));
  if (name == "isalnum") return Value::boolean(all_cps(s, [](uint32_t c) { return py_is_alpha(c) || py_is_digit(c); }));
  if (name == "isascii") return Value::boolean(is_ascii(s));
  if (name == "islower" || name == "isupper") {
    bool cased = false;
    for (uint32_t cp : utf8_decode(s)) {
      if (name == "islower" ? py_is_upper(cp) : py_is_lower(cp)) return Value::boolean(false);
      cased |= name == "islower" ? py_is_lower(cp) : py_is_upper(cp);
    }
    return Value::boolean(cased);
  }
  if (name == "istitle") return Value::boolean(!s.empty() && py_title(s) == s && py_lower(s) != s);
  throw_error(ErrorKind::kRuntime, fmt::format("str.{}() is not supported", name));
}

Value list_method(const Value& self, std::string_view name, CallArgs& args) {
  const ValueList& items = self.items();
  if (name == "copy") {
    ArgReader r(name, args, {});
    return Value::list(items);
  }
  ArgReader r(name, args, {"value"});
  if (!r.get(0)) throw_error(ErrorKind::kType, fmt::format("{}() takes exactly one argument (0 given)", name));
  if (name == "count") {
    return Value::integer(std::count_if(items.begin(), items.end(), [&](const Value& v) { return py_equal(v, *r.get(0)); }));
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (py_equal(items[i], *r.get(0))) return Value::integer(static_cast<int64_t>(i));
  }
  throw_error(ErrorKind::kType, fmt::format("{} is not in {}", py_repr(*r.get(0)), type_name(self)));
}

Value dict_method(Interpreter& in, const Value& self, std::string_view name, CallArgs& args) {
  const DictData& d = self.dict_data();
  if (name == "get") {
    ArgReader r(name, args, {"key", "default"});
    if (!r.get(0)) throw_error(ErrorKind::kType, "get expected at least 1 argument, got 0");
    const Value* v = d.find(*r.get(0));
    return v ? *v : r.get_or(1, Value::none());
  }
  ArgReader r(name, args, {});
  if (name == "copy") return Value::dict(std::make_shared<DictData>(d));
  ValueList out;
  out.reserve(d.size());
  for (const auto& [k, v] : d.entries()) {
    out.push_back(name == "keys" ? k : name == "values" ? v : Value::tuple({k, v}));
  }
  in.count_work(static_cast<int64_t>(out.size()));
  return Value::list(std::move(out));
}

}  // namespace

MethodKind method_kind(const Value& self, std::string_view name) {
  if (self.is_string()) return kStrMethods.count(name) ? MethodKind::kSafe : MethodKind::kNone;
  if (self.is_tuple()) return kTupleMethods.count(name) ? MethodKind::kSafe : MethodKind::kNone;
  if (self.is_list()) {
    if (kListMethods.count(name)) return MethodKind::kSafe;
    return kListUnsafe.count(name) ? MethodKind::kUnsafe : MethodKind::kNone;
  }
  if (self.is_dict()) {
    if (kDictMethods.count(name)) return MethodKind::kSafe;
    return kDictUnsafe.count(name) ? MethodKind::kUnsafe : MethodKind::kNone;
  }
  return MethodKind::kNone;
}

Value call_method(Interpreter& in, const Value& self, std::string_view name, CallArgs& args) {
  if (self.is_string()) {
    Value result = string_method(in, self.as_string(), name, args);
    if (!self.is_markup()) return result;
    // markupsafe.Markup's methods return Markup (their arguments' escaping is not modelled).
    if (result.is_string()) return Value::markup(result.as_string());
    if (result.is_list() && !result.is_tuple()) {
      ValueList marked;
      for (const auto& item : result.items()) marked.push_back(item.is_string() ? Value::markup(item.as_string()) : item);
      return Value::list(std::move(marked));
    }
    return result;
  }
  if (self.is_list()) return list_method(self, name, args);
  if (self.is_dict()) return dict_method(in, self, name, args);
  throw_error(ErrorKind::kRuntime, fmt::format("'{}' object has no method '{}'", type_name(self), name));
}

}  // namespace hearth::chat

// chat: the global functions of the render environment: jinja2's range, dict, namespace and
// joiner, plus transformers' raise_exception and strftime_now.
#include <ctime>

#include <fmt/format.h>

#include "chat/py_text.h"
#include "chat/template_builtins.h"

namespace hearth::chat {
namespace {

// jinja2's sandbox refuses ranges longer than this (MAX_RANGE).
constexpr int64_t kMaxRange = 100000;

// namespace(): the one mutable object; `{% set ns.attr = v %}` writes into it.
class NamespaceObject : public Object {
 public:
  std::string type_name() const override { return "Namespace"; }
  std::optional<Value> get_attr(std::string_view name) const override {
    if (const Value* v = attrs_.find(name)) return *v;
    return std::nullopt;
  }
  bool set_attr(std::string_view name, Value value) override {
    attrs_.set(Value::string(std::string(name)), std::move(value));
    return true;
  }
  const DictData* repr_dict() const override { return &attrs_; }
  void release() override { attrs_ = DictData(); }

 private:
  DictData attrs_;
};

// dict(*args, **kwargs) as Python builds it: from a mapping or (key, value) pairs, then kwargs.
std::shared_ptr<DictData> build_dict(CallArgs& args, const char* function) {
  auto d = std::make_shared<DictData>();
  if (args.positional.size() > 1) {
    throw_error(ErrorKind::kType, fmt::format("{} expected at most 1 argument, got {}", function, args.positional.size()));
  }
  if (!args.positional.empty()) {
    const Value& src = args.positional[0];
    if (src.is_dict()) {
      for (const auto& [k, v] : src.dict_data().entries()) d->set(k, v);
    } else {
      for (const auto& pair : iterate(src)) {
        const ValueList kv = iterate(pair);
        if (kv.size() != 2) throw_error(ErrorKind::kType, "dictionary update sequence element has the wrong length; 2 is required");
        d->set(kv[0], kv[1]);
      }
    }
  }
  for (auto& [k, v] : args.keyword) d->set(Value::string(k), v);
  return d;
}

Value g_range(Interpreter& in, CallArgs& args) {
  if (!args.keyword.empty()) throw_error(ErrorKind::kType, "range() takes no keyword arguments");
  const auto& p = args.positional;
  if (p.empty() || p.size() > 3) throw_error(ErrorKind::kType, fmt::format("range expected 1 to 3 arguments, got {}", p.size()));
  int64_t start = 0, stop, step = 1;
  if (p.size() == 1) {
    stop = expect_int(p[0], "range() argument");
  } else {
    start = expect_int(p[0], "range() argument");
    stop = expect_int(p[1], "range() argument");
    if (p.size() == 3) step = expect_int(p[2], "range() argument");
  }
  if (step == 0) throw_error(ErrorKind::kType, "range() arg 3 must not be zero");
  // Length without overflow: ceil((stop - start) / step) when positive.
  const long double span = static_cast<long double>(stop) - static_cast<long double>(start);
  const long double count = span / static_cast<long double>(step);
  if (count > kMaxRange) {
    throw_error(ErrorKind::kLimit, fmt::format("Range too big. The sandbox blocks ranges larger than MAX_RANGE ({}).", kMaxRange));
  }
  ValueList out;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    out.push_back(Value::integer(i));
    if (static_cast<int64_t>(out.size()) > kMaxRange) break;
  }
  in.count_work(static_cast<int64_t>(out.size()));
  return Value::range(RangeInfo{start, stop, step}, std::move(out));
}

Value g_dict(Interpreter&, CallArgs& args) { return Value::dict(build_dict(args, "dict")); }

Value g_namespace(Interpreter& in, CallArgs& args) {
  auto ns = std::make_shared<NamespaceObject>();
  const auto attrs = build_dict(args, "namespace");
  for (const auto& [k, v] : attrs->entries()) {
    if (!k.is_string()) throw_error(ErrorKind::kType, "namespace() keywords must be strings");
    ns->set_attr(k.as_string(), v);
  }
  in.track(ns);
  return Value::object(ns);
}

Value g_raise_exception(Interpreter&, CallArgs& args) {
  ArgReader r("raise_exception", args, {"message"});
  throw_error(ErrorKind::kRaised, r.get(0) ? py_str(*r.get(0)) : "");
}

// datetime.strftime for a naive datetime in the C locale.
std::string format_time(const std::string& format, const std::tm& t) {
  static const char* kDays[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
  static const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                  "July",    "August",   "September", "October", "November", "December"};
  const int wday = ((t.tm_wday % 7) + 7) % 7;
  const int mon = ((t.tm_mon % 12) + 12) % 12;
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 >= format.size()) {
      out.push_back(format[i]);
      continue;
    }
    const char c = format[++i];
    switch (c) {
      case 'Y': out += std::to_string(t.tm_year + 1900); break;
      case 'y': out += fmt::format("{:02}", (t.tm_year + 1900) % 100); break;
      case 'm': out += fmt::format("{:02}", t.tm_mon + 1); break;
      case 'd': out += fmt::format("{:02}", t.tm_mday); break;
      case 'e': out += fmt::format("{:2}", t.tm_mday); break;
      case 'H': out += fmt::format("{:02}", t.tm_hour); break;
      case 'I': out += fmt::format("{:02}", t.tm_hour % 12 == 0 ? 12 : t.tm_hour % 12); break;
      case 'M': out += fmt::format("{:02}", t.tm_min); break;
      case 'S': out += fmt::format("{:02}", t.tm_sec); break;
      case 'p': out += t.tm_hour < 12 ? "AM" : "PM"; break;
      case 'j': out += fmt::format("{:03}", t.tm_yday + 1); break;
      case 'a': out += std::string(kDays[wday]).substr(0, 3); break;
      case 'A': out += kDays[wday]; break;
      case 'b': case 'h': out += std::string(kMonths[mon]).substr(0, 3); break;
      case 'B': out += kMonths[mon]; break;
      case 'w': out += std::to_string(wday); break;
      case 'u': out += std::to_string(wday == 0 ? 7 : wday); break;
      case 'f': out += "000000"; break;
      case 'z': case 'Z': break;  // naive datetime: empty
      case '%': out.push_back('%'); break;
      default: {
        char buf[128];
        const char spec[3] = {'%', c, 0};
        const size_t n = std::strftime(buf, sizeof buf, spec, &t);
        out.append(buf, n);
      }
    }
  }
  return out;
}

Value g_strftime_now(Interpreter& in, CallArgs& args) {
  ArgReader r("strftime_now", args, {"format"});
  if (!r.get(0)) throw_error(ErrorKind::kType, "strftime_now() missing required argument 'format'");
  return Value::string(format_time(expect_string(*r.get(0), "format"), in.options().now));
}

Value g_joiner(Interpreter&, CallArgs& args) {
  ArgReader r("joiner", args, {"sep"});
  const std::string sep = r.get(0) ? py_str(*r.get(0)) : ", ";
  auto used = std::make_shared<bool>(false);
  return Value::function("joiner", [sep, used](Interpreter&, CallArgs&) {
    if (!*used) {
      *used = true;
      return Value::string("");
    }
    return Value::string(sep);
  });
}

}  // namespace

void add_builtin_globals(Frame& globals) {
  globals.vars["range"] = Value::function("range", g_range);
  globals.vars["dict"] = Value::function("dict", g_dict);
  globals.vars["namespace"] = Value::function("namespace", g_namespace);
  globals.vars["joiner"] = Value::function("joiner", g_joiner);
  globals.vars["raise_exception"] = Value::function("raise_exception", g_raise_exception);
  globals.vars["strftime_now"] = Value::function("strftime_now", g_strftime_now);
}

}  // namespace hearth::chat

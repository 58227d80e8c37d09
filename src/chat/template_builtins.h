// chat: jinja2's built-in filters, tests and globals, the Python str/list/dict methods templates
// call, and json.dumps as transformers' `tojson` runs it.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "chat/template_eval.h"
#include "chat/template_value.h"

namespace hearth::chat {

using FilterFn = Value (*)(Interpreter&, const Value& input, CallArgs& args);
using TestFn = bool (*)(Interpreter&, const Value& input, CallArgs& args);

// nullptr when there is no filter / test of that name.
FilterFn find_filter(std::string_view name);
FilterFn find_sequence_filter(std::string_view name);  // the sequence half (find_filter asks it)
TestFn find_test(std::string_view name);

// How a type's attribute `name` resolves in the immutable sandbox.
enum class MethodKind { kNone, kSafe, kUnsafe };
MethodKind method_kind(const Value& self, std::string_view name);
// Calls self.name(args) for a kSafe method.
Value call_method(Interpreter& in, const Value& self, std::string_view name, CallArgs& args);

// The globals every template sees: range, dict, namespace, raise_exception, strftime_now.
void add_builtin_globals(Frame& globals);

struct JsonFormat {
  bool ensure_ascii = false;
  std::optional<std::string> indent;  // None: one line
  std::string item_separator = ", ";
  std::string key_separator = ": ";
  bool sort_keys = false;
};
// Python json.dumps(v, ...); TypeError for values JSON cannot hold (undefined, generators ...).
std::string to_json(const Value& v, const JsonFormat& format);

// str % args (printf-style) and str.format(*args, **kwargs), as Python formats them.
std::string py_percent_format(Interpreter& in, const std::string& format, const Value& args);
std::string py_str_format(Interpreter& in, const std::string& format, CallArgs& args);

// Binds call arguments to parameter names the way a Python signature does.
class ArgReader {
 public:
  ArgReader(std::string_view function, CallArgs& args, std::initializer_list<std::string_view> names);
  // The argument for parameter `index` (positional or by keyword), or nullptr when absent.
  const Value* get(size_t index) const;
  Value get_or(size_t index, Value fallback) const;

 private:
  std::vector<const Value*> bound_;
};

int64_t expect_int(const Value& v, std::string_view what);
const std::string& expect_string(const Value& v, std::string_view what);

}  // namespace hearth::chat

// chat: the dynamic value of the template interpreter, with Python's semantics (what jinja2
// values are: None, bool, int, float, str, list, tuple, dict, namespace, generator, callable).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace hearth::chat {

class Value;
class Interpreter;
using ValueList = std::vector<Value>;

// Why an operation failed; maps onto the Python exception jinja2 would raise.
enum class ErrorKind {
  kSyntax,     // TemplateSyntaxError
  kRaised,     // raise_exception(msg): TemplateError with the template's own message
  kUndefined,  // UndefinedError: an undefined value used in a way that needs a value
  kType,       // TypeError / ValueError / FilterArgumentError: wrong kind of value
  kSecurity,   // SecurityError: the immutable sandbox refused (list.append, ...)
  kRuntime,    // TemplateRuntimeError: unknown filter or test, bad call
  kLimit,      // a resource limit (recursion, iterations, output size) was hit
};

// Thrown inside the interpreter (as Python raises) and turned into a Status at the public API;
// nothing escapes the chat module.
struct TemplateException {
  ErrorKind kind;
  std::string message;
  int line = 0;
};

[[noreturn]] void throw_error(ErrorKind kind, std::string message);

// Lists and dicts nested deeper than this are refused (kLimit), so that comparing, printing and
// freeing values never recurses without bound.
inline constexpr int kMaxValueDepth = 512;

// An undefined value remembers why it is undefined, for the error raised when it is used.
struct UndefinedInfo {
  std::string message;  // "'x' is undefined", "'dict object' has no attribute 'y'"
  bool unsafe = false;  // a sandbox-refused attribute: using it raises SecurityError
};

// Python's range(start, stop, step): a sequence that prints as itself and is not JSON.
struct RangeInfo {
  int64_t start = 0, stop = 0, step = 1;
};

struct ListData {
  ValueList items;
  bool is_tuple = false;
  int depth = 1;  // 1 + the deepest item's depth
  std::optional<RangeInfo> range;  // set for the value of range(...)
};

// Insertion-ordered dict (Python 3.7+ order); string keys are indexed for fast lookup.
class DictData {
 public:
  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  // Inserts, or replaces the value in place (the key keeps its first position).
  void set(Value key, Value value);
  size_t size() const { return entries_.size(); }
  const std::vector<std::pair<Value, Value>>& entries() const { return entries_; }
  int depth() const { return depth_; }

 private:
  std::vector<std::pair<Value, Value>> entries_;
  int depth_ = 1;
  // Transparent hashing: lookups by string_view allocate nothing.
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, size_t, StringHash, std::equal_to<>> string_index_;
};

// Objects with attributes only: namespace(), the loop variable, cycler, joiner.
class Object {
 public:
  virtual ~Object() = default;
  virtual std::string type_name() const = 0;
  // The attribute, or nullopt when absent.
  virtual std::optional<Value> get_attr(std::string_view name) const = 0;
  virtual bool set_attr(std::string_view name, Value value);  // false: not assignable
  virtual std::string repr() const;
  // Objects that print as "<Type {dict repr}>" (namespace) return their dict; repr then detects
  // self-reference the way Python's dict repr does ("{...}").
  virtual const DictData* repr_dict() const { return nullptr; }
  // Drops held values at the end of a render, so that self-references cannot leak memory.
  virtual void release() {}
};

// A one-shot iterator (Python generator: what map/select/... return). Always truthy, has no
// len(), is not JSON serialisable, and iterating it consumes it.
struct IteratorData {
  ValueList items;
  size_t pos = 0;
  std::string type_name = "generator";
};

struct CallArgs {
  ValueList positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

// A callable: built-in global, macro, bound method, loop.cycle ...
struct Function {
  std::string name;
  std::function<Value(Interpreter&, CallArgs&)> call;
};

class Value {
 public:
  enum class Kind : uint8_t {
    kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kDict, kObject, kIterator, kFunction
  };

  Value() = default;  // undefined
  static Value undefined(std::string message, bool unsafe = false);
  static Value none() { return Value(Storage(std::in_place_index<1>)); }
  static Value boolean(bool b) { return Value(Storage(std::in_place_index<2>, b)); }
  static Value integer(int64_t i) { return Value(Storage(std::in_place_index<3>, i)); }
  static Value floating(double d) { return Value(Storage(std::in_place_index<4>, d)); }
  static Value string(std::string s);
  // A str marked safe (markupsafe.Markup, what `|safe` returns): `+` with a plain str escapes
  // the plain side, and str methods keep the mark.
  static Value markup(std::string s);
  static Value list(ValueList items);
  static Value tuple(ValueList items);
  static Value range(RangeInfo r, ValueList items);
  static Value dict(std::shared_ptr<const DictData> d);
  static Value object(std::shared_ptr<Object> o);
  static Value iterator(ValueList items, std::string type_name = "generator");
  static Value function(std::string name, std::function<Value(Interpreter&, CallArgs&)> call);

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_undefined() const { return kind() == Kind::kUndefined; }
  bool is_none() const { return kind() == Kind::kNone; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_int() const { return kind() == Kind::kInt; }
  bool is_float() const { return kind() == Kind::kFloat; }
  bool is_number() const { return is_int() || is_float() || is_bool(); }  // bool is an int
  bool is_string() const { return kind() == Kind::kString; }
  bool is_markup() const { return markup_; }
  bool is_list() const { return kind() == Kind::kList; }  // list or tuple
  bool is_tuple() const { return is_list() && list_data().is_tuple; }
  bool is_range() const { return is_list() && list_data().range.has_value(); }
  bool is_dict() const { return kind() == Kind::kDict; }
  bool is_object() const { return kind() == Kind::kObject; }
  bool is_iterator() const { return kind() == Kind::kIterator; }
  bool is_function() const { return kind() == Kind::kFunction; }

  bool as_bool() const { return std::get<2>(v_); }
  int64_t as_int() const { return std::get<3>(v_); }
  double as_float() const { return std::get<4>(v_); }
  // int or bool as an integer (Python: bool is a subclass of int).
  int64_t as_integer() const { return is_bool() ? (as_bool() ? 1 : 0) : as_int(); }
  double as_double() const { return is_float() ? as_float() : static_cast<double>(as_integer()); }
  const std::string& as_string() const { return *std::get<5>(v_); }
  const ListData& list_data() const { return *std::get<6>(v_); }
  const ValueList& items() const { return list_data().items; }
  const DictData& dict_data() const { return *std::get<7>(v_); }
  Object& object_ref() const { return *std::get<8>(v_); }
  IteratorData& iterator_data() const { return *std::get<9>(v_); }
  const Function& function_ref() const { return *std::get<10>(v_); }
  const UndefinedInfo* undefined_info() const { return std::get<0>(v_).get(); }
  // Identity for `is sameas` and cycle detection.
  const void* identity() const;

 private:
  using Storage = std::variant<std::shared_ptr<const UndefinedInfo>, std::monostate, bool, int64_t,
                               double, std::shared_ptr<const std::string>,
                               std::shared_ptr<const ListData>, std::shared_ptr<const DictData>,
                               std::shared_ptr<Object>, std::shared_ptr<IteratorData>,
                               std::shared_ptr<const Function>>;
  explicit Value(Storage v) : v_(std::move(v)) {}
  Storage v_;
  bool markup_ = false;
};

// Python type name for messages: "str", "dict", "NoneType" ...
std::string type_name(const Value& v);
// jinja2's object_type_repr: "'dict object'"-style description used in undefined messages.
std::string object_description(const Value& v);

// Raises the error an undefined value carries (UndefinedError or SecurityError).
[[noreturn]] void fail_undefined(const Value& v);

bool truthy(const Value& v);
// Python ==: 1 == 1.0 == True, deep for containers; undefined equals only undefined.
bool py_equal(const Value& a, const Value& b);
// Python <: numbers, strings (code point order), lists/tuples lexicographically; else TypeError.
bool py_less(const Value& a, const Value& b);
// Python `a in b`.
bool py_contains(const Value& container, const Value& item);

// markupsafe.escape: & < > " ' become entities; a markup string is returned unchanged.
Value html_escape(const Value& v);
// The result of a str method on `self`: markup when self is (markupsafe.Markup's methods).
Value string_like(const Value& self, std::string s);

// str(v) and repr(v) as Python prints them (None, True, 1.0, ['a', {'k': None}], ...).
std::string py_str(const Value& v);
std::string py_repr(const Value& v);

// The items a for loop (or list()) sees: list items, dict keys, string characters, iterator
// items (consuming it); undefined iterates as empty. TypeError for the rest.
ValueList iterate(const Value& v);
// len(v); TypeError when v has no length.
int64_t py_len(const Value& v);

// JSON (from the render context) to a value: objects keep key order, numbers keep int/float.
Value from_json(const nlohmann::ordered_json& j, int depth = 0);

// Nesting depth of lists and dicts (0 for anything else).
int value_depth(const Value& v);

}  // namespace hearth::chat

// chat: template values with Python's equality, ordering, truthiness, str() and repr().
#include "chat/template_value.h"

#include <algorithm>

#include <fmt/format.h>

#include "chat/py_text.h"

namespace hearth::chat {

void throw_error(ErrorKind kind, std::string message) {
  throw TemplateException{kind, std::move(message), 0};
}

// ---- DictData ----

const Value* DictData::find(std::string_view key) const {
  auto it = string_index_.find(key);
  return it == string_index_.end() ? nullptr : &entries_[it->second].second;
}

const Value* DictData::find(const Value& key) const {
  if (key.is_string()) return find(key.as_string());
  for (const auto& [k, v] : entries_) {
    if (py_equal(k, key)) return &v;
  }
  return nullptr;
}

int value_depth(const Value& v) {
  if (v.is_list()) return v.list_data().depth;
  if (v.is_dict()) return v.dict_data().depth();
  return 0;
}

static int checked_depth(int depth) {
  if (depth > kMaxValueDepth) throw_error(ErrorKind::kLimit, fmt::format("lists/dicts nested deeper than {}", kMaxValueDepth));
  return depth;
}

void DictData::set(Value key, Value value) {
  depth_ = std::max(depth_, checked_depth(1 + std::max(value_depth(key), value_depth(value))));
  if (key.is_string()) {
    auto [it, inserted] = string_index_.emplace(key.as_string(), entries_.size());
    if (!inserted) {
      entries_[it->second].second = std::move(value);
      return;
    }
    entries_.emplace_back(std::move(key), std::move(value));
    return;
  }
  for (auto& [k, v] : entries_) {
    if (py_equal(k, key)) {
      v = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::move(key), std::move(value));
}

// ---- Object ----

bool Object::set_attr(std::string_view, Value) { return false; }
std::string Object::repr() const { return fmt::format("<{} object>", type_name()); }

// ---- Value ----

Value Value::undefined(std::string message, bool unsafe) {
  return Value(Storage(std::in_place_index<0>,
                       std::make_shared<const UndefinedInfo>(UndefinedInfo{std::move(message), unsafe})));
}

Value Value::string(std::string s) {
  return Value(Storage(std::in_place_index<5>, std::make_shared<const std::string>(std::move(s))));
}

Value Value::markup(std::string s) {
  Value v = string(std::move(s));
  v.markup_ = true;
  return v;
}

static std::shared_ptr<const ListData> make_list(ValueList items, bool is_tuple) {
  int depth = 1;
  for (const auto& v : items) depth = std::max(depth, 1 + value_depth(v));
  return std::make_shared<const ListData>(ListData{std::move(items), is_tuple, checked_depth(depth), std::nullopt});
}

Value Value::list(ValueList items) { return Value(Storage(std::in_place_index<6>, make_list(std::move(items), false))); }
Value Value::tuple(ValueList items) { return Value(Storage(std::in_place_index<6>, make_list(std::move(items), true))); }

Value Value::range(RangeInfo r, ValueList items) {
  auto data = std::make_shared<ListData>(ListData{std::move(items), false, 1, r});
  return Value(Storage(std::in_place_index<6>, std::shared_ptr<const ListData>(std::move(data))));
}

Value Value::dict(std::shared_ptr<const DictData> d) { return Value(Storage(std::in_place_index<7>, std::move(d))); }
Value Value::object(std::shared_ptr<Object> o) { return Value(Storage(std::in_place_index<8>, std::move(o))); }

Value Value::iterator(ValueList items, std::string type_name) {
  auto data = std::make_shared<IteratorData>();
  data->items = std::move(items);
  data->type_name = std::move(type_name);
  return Value(Storage(std::in_place_index<9>, std::move(data)));
}

Value Value::function(std::string name, std::function<Value(Interpreter&, CallArgs&)> call) {
  return Value(Storage(std::in_place_index<10>,
                       std::make_shared<const Function>(Function{std::move(name), std::move(call)})));
}

const void* Value::identity() const {
  switch (kind()) {
    case Kind::kString: return std::get<5>(v_).get();
    case Kind::kList: return std::get<6>(v_).get();
    case Kind::kDict: return std::get<7>(v_).get();
    case Kind::kObject: return std::get<8>(v_).get();
    case Kind::kIterator: return std::get<9>(v_).get();
    case Kind::kFunction: return std::get<10>(v_).get();
    default: return nullptr;
  }
}

std::string type_name(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined: return "Undefined";
    case Value::Kind::kNone: return "NoneType";
    case Value::Kind::kBool: return "bool";
    case Value::Kind::kInt: return "int";
    case Value::Kind::kFloat: return "float";
    case Value::Kind::kString: return "str";
    case Value::Kind::kList: return v.is_range() ? "range" : v.is_tuple() ? "tuple" : "list";
    case Value::Kind::kDict: return "dict";
    case Value::Kind::kObject: return v.object_ref().type_name();
    case Value::Kind::kIterator: return v.iterator_data().type_name;
    case Value::Kind::kFunction: return "function";
  }
  return "object";
}

std::string object_description(const Value& v) {
  if (v.is_none()) return "None";
  return type_name(v) + " object";
}

void fail_undefined(const Value& v) {
  const UndefinedInfo* info = v.undefined_info();
  if (!info) throw_error(ErrorKind::kUndefined, "value is undefined");
  throw_error(info->unsafe ? ErrorKind::kSecurity : ErrorKind::kUndefined, info->message);
}

bool truthy(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone: return false;
    case Value::Kind::kBool: return v.as_bool();
    case Value::Kind::kInt: return v.as_int() != 0;
    case Value::Kind::kFloat: return v.as_float() != 0.0;
    case Value::Kind::kString: return !v.as_string().empty();
    case Value::Kind::kList: return !v.items().empty();
    case Value::Kind::kDict: return v.dict_data().size() != 0;
    default: return true;  // namespace, generator, callable
  }
}

bool py_equal(const Value& a, const Value& b) {
  using K = Value::Kind;
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_double() == b.as_double();
    return a.as_integer() == b.as_integer();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case K::kUndefined:
    case K::kNone: return true;
    case K::kString: return a.as_string() == b.as_string();
    case K::kList: {
      if (a.is_tuple() != b.is_tuple() || a.is_range() != b.is_range() || a.items().size() != b.items().size()) return false;
      for (size_t i = 0; i < a.items().size(); ++i) {
        if (!py_equal(a.items()[i], b.items()[i])) return false;
      }
      return true;
    }
    case K::kDict: {
      if (a.dict_data().size() != b.dict_data().size()) return false;
      for (const auto& [k, v] : a.dict_data().entries()) {
        const Value* other = b.dict_data().find(k);
        if (!other || !py_equal(v, *other)) return false;
      }
      return true;
    }
    default: return a.identity() == b.identity();
  }
}

bool py_less(const Value& a, const Value& b) {
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_double() < b.as_double();
    return a.as_integer() < b.as_integer();
  }
  if (a.is_string() && b.is_string()) return a.as_string() < b.as_string();
  if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple() && !a.is_range() && !b.is_range()) {
    const auto& x = a.items();
    const auto& y = b.items();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!py_equal(x[i], y[i])) return py_less(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  throw_error(ErrorKind::kType, fmt::format("'<' not supported between instances of '{}' and '{}'",
                                            type_name(a), type_name(b)));
}

bool py_contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::kUndefined: return false;
    case Value::Kind::kString:
      if (!item.is_string()) {
        throw_error(ErrorKind::kType, fmt::format("'in <string>' requires string as left operand, not {}",
                                                  type_name(item)));
      }
      return container.as_string().find(item.as_string()) != std::string::npos;
    case Value::Kind::kList:
      for (const auto& v : container.items()) {
        if (py_equal(v, item)) return true;
      }
      return false;
    case Value::Kind::kDict:
      if ((item.is_list() && !item.is_tuple()) || item.is_dict()) {
        throw_error(ErrorKind::kType, fmt::format("unhashable type: '{}'", type_name(item)));
      }
      return container.dict_data().find(item) != nullptr;
    case Value::Kind::kIterator: {
      auto& it = container.iterator_data();
      while (it.pos < it.items.size()) {
        if (py_equal(it.items[it.pos++], item)) return true;
      }
      return false;
    }
    default:
      throw_error(ErrorKind::kType, fmt::format("argument of type '{}' is not iterable", type_name(container)));
  }
}

namespace {

// Containers being printed, to print a self-reference as Python does ("[...]", "{...}").
using ReprStack = std::vector<const void*>;

void append_repr(std::string& out, const Value& v, ReprStack& active);

bool enter(ReprStack& active, const void* p) {
  for (const void* a : active) {
    if (a == p) return false;
  }
  if (active.size() > static_cast<size_t>(kMaxValueDepth)) throw_error(ErrorKind::kLimit, "value nested too deeply to print");
  active.push_back(p);
  return true;
}

void append_dict_repr(std::string& out, const DictData& d, ReprStack& active) {
  if (!enter(active, &d)) {
    out += "{...}";
    return;
  }
  out.push_back('{');
  bool first = true;
  for (const auto& [k, val] : d.entries()) {
    if (!first) out += ", ";
    first = false;
    append_repr(out, k, active);
    out += ": ";
    append_repr(out, val, active);
  }
  out.push_back('}');
  active.pop_back();
}

void append_repr(std::string& out, const Value& v, ReprStack& active) {
  switch (v.kind()) {
    case Value::Kind::kUndefined: out += "Undefined"; return;
    case Value::Kind::kNone: out += "None"; return;
    case Value::Kind::kBool: out += v.as_bool() ? "True" : "False"; return;
    case Value::Kind::kInt: out += std::to_string(v.as_int()); return;
    case Value::Kind::kFloat: out += py_float_repr(v.as_float()); return;
    case Value::Kind::kString:
      if (v.is_markup()) {
        out += "Markup(" + py_str_repr(v.as_string()) + ")";
      } else {
        out += py_str_repr(v.as_string());
      }
      return;
    case Value::Kind::kList: {
      if (const auto& r = v.list_data().range) {
        out += r->step == 1 ? fmt::format("range({}, {})", r->start, r->stop) : fmt::format("range({}, {}, {})", r->start, r->stop, r->step);
        return;
      }
      const bool tuple = v.is_tuple();
      if (!enter(active, &v.list_data())) {
        out += tuple ? "(...)" : "[...]";
        return;
      }
      out.push_back(tuple ? '(' : '[');
      const auto& items = v.items();
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += ", ";
        append_repr(out, items[i], active);
      }
      if (tuple && items.size() == 1) out.push_back(',');
      out.push_back(tuple ? ')' : ']');
      active.pop_back();
      return;
    }
    case Value::Kind::kDict: append_dict_repr(out, v.dict_data(), active); return;
    case Value::Kind::kObject:
      if (const DictData* d = v.object_ref().repr_dict()) {
        out.push_back('<');
        out += v.object_ref().type_name();
        out.push_back(' ');
        append_dict_repr(out, *d, active);
        out += ">";
      } else {
        out += v.object_ref().repr();
      }
      return;
    case Value::Kind::kIterator: out += fmt::format("<{} object>", v.iterator_data().type_name); return;
    case Value::Kind::kFunction: out += fmt::format("<function {}>", v.function_ref().name); return;
  }
}

}  // namespace

Value html_escape(const Value& v) {
  if (v.is_markup()) return v;
  std::string out;
  for (char c : py_str(v)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return Value::markup(std::move(out));
}

Value string_like(const Value& self, std::string s) {
  return self.is_markup() ? Value::markup(std::move(s)) : Value::string(std::move(s));
}

std::string py_str(const Value& v) {
  if (v.is_string()) return v.as_string();
  if (v.is_undefined()) return "";
  return py_repr(v);
}

std::string py_repr(const Value& v) {
  std::string out;
  ReprStack active;
  append_repr(out, v, active);
  return out;
}

ValueList iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined: return {};
    case Value::Kind::kList: return v.items();
    case Value::Kind::kDict: {
      ValueList keys;
      keys.reserve(v.dict_data().size());
      for (const auto& [k, val] : v.dict_data().entries()) keys.push_back(k);
      return keys;
    }
    case Value::Kind::kString: {
      ValueList chars;
      const auto& s = v.as_string();
      if (is_ascii(s)) {
        chars.reserve(s.size());
        for (char c : s) chars.push_back(Value::string(std::string(1, c)));
        return chars;
      }
      for (uint32_t cp : utf8_decode(s)) {
        std::string one;
        utf8_append(one, cp);
        chars.push_back(Value::string(std::move(one)));
      }
      return chars;
    }
    case Value::Kind::kIterator: {
      auto& it = v.iterator_data();
      ValueList rest(it.items.begin() + static_cast<std::ptrdiff_t>(it.pos), it.items.end());
      it.pos = it.items.size();
      return rest;
    }
    default:
      throw_error(ErrorKind::kType, fmt::format("'{}' object is not iterable", type_name(v)));
  }
}

int64_t py_len(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined: return 0;
    case Value::Kind::kString: return static_cast<int64_t>(utf8_length(v.as_string()));
    case Value::Kind::kList: return static_cast<int64_t>(v.items().size());
    case Value::Kind::kDict: return static_cast<int64_t>(v.dict_data().size());
    default:
      throw_error(ErrorKind::kType, fmt::format("object of type '{}' has no len()", type_name(v)));
  }
}

Value from_json(const nlohmann::ordered_json& j, int depth) {
  using T = nlohmann::ordered_json::value_t;
  checked_depth(depth);
  switch (j.type()) {
    case T::null: return Value::none();
    case T::boolean: return Value::boolean(j.get<bool>());
    case T::number_integer: return Value::integer(j.get<int64_t>());
    case T::number_unsigned: {
      const auto u = j.get<uint64_t>();
      if (u <= static_cast<uint64_t>(INT64_MAX)) return Value::integer(static_cast<int64_t>(u));
      return Value::floating(static_cast<double>(u));
    }
    case T::number_float: return Value::floating(j.get<double>());
    case T::string: return Value::string(j.get<std::string>());
    case T::array: {
      ValueList items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json(e, depth + 1));
      return Value::list(std::move(items));
    }
    case T::object: {
      auto d = std::make_shared<DictData>();
      for (const auto& [k, e] : j.items()) d->set(Value::string(k), from_json(e, depth + 1));
      return Value::dict(std::move(d));
    }
    default: return Value::none();  // binary / discarded: not produced by JSON text
  }
}

}  // namespace hearth::chat

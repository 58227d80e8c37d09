// chat: Python's json.dumps for template values (transformers' `tojson` filter calls it with
// ensure_ascii=False, so non-ASCII text stays as is and nothing is HTML-escaped).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "chat/py_text.h"
#include "chat/template_builtins.h"

namespace hearth::chat {
namespace {

void append_json_string(std::string& out, const std::string& s, bool ensure_ascii) {
  out.push_back('"');
  auto escape_cp = [&](uint32_t cp) {
    switch (cp) {
      case '"': out += "\\\""; return;
      case '\\': out += "\\\\"; return;
      case '\n': out += "\\n"; return;
      case '\r': out += "\\r"; return;
      case '\t': out += "\\t"; return;
      case '\b': out += "\\b"; return;
      case '\f': out += "\\f"; return;
      default: break;
    }
    if (cp < 0x20 || (ensure_ascii && cp >= 0x7F)) {
      if (cp >= 0x10000) {
        const uint32_t v = cp - 0x10000;
        out += fmt::format("\\u{:04x}\\u{:04x}", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
      } else {
        out += fmt::format("\\u{:04x}", cp);
      }
      return;
    }
    utf8_append(out, cp);
  };
  if (is_ascii(s)) {
    for (char c : s) escape_cp(static_cast<unsigned char>(c));
  } else if (!ensure_ascii) {
    // Multi-byte sequences pass through untouched; only ASCII needs escaping.
    for (char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (u >= 0x80) {
        out.push_back(c);
      } else {
        escape_cp(u);
      }
    }
  } else {
    for (uint32_t cp : utf8_decode(s)) escape_cp(cp);
  }
  out.push_back('"');
}

std::string float_json(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return py_float_repr(d);
}

[[noreturn]] void not_serializable(const Value& v) {
  std::string name = type_name(v);
  if (v.is_function()) name = "function";
  throw_error(ErrorKind::kType, fmt::format("Object of type {} is not JSON serializable", name));
}

std::string key_text(const Value& k) {
  switch (k.kind()) {
    case Value::Kind::kString: return k.as_string();
    case Value::Kind::kInt: return std::to_string(k.as_int());
    case Value::Kind::kFloat: return float_json(k.as_float());
    case Value::Kind::kBool: return k.as_bool() ? "true" : "false";
    case Value::Kind::kNone: return "null";
    default:
      throw_error(ErrorKind::kType, fmt::format("keys must be str, int, float, bool or None, not {}", type_name(k)));
  }
}

class JsonWriter {
 public:
  JsonWriter(const JsonFormat& f, std::string& out) : f_(f), out_(out) {}

  void write(const Value& v, int level) {
    if (level > kMaxValueDepth) throw_error(ErrorKind::kLimit, "value nested too deeply for tojson (a circular reference?)");
    switch (v.kind()) {
      case Value::Kind::kNone: out_ += "null"; return;
      case Value::Kind::kBool: out_ += v.as_bool() ? "true" : "false"; return;
      case Value::Kind::kInt: out_ += std::to_string(v.as_int()); return;
      case Value::Kind::kFloat: out_ += float_json(v.as_float()); return;
      case Value::Kind::kString: append_json_string(out_, v.as_string(), f_.ensure_ascii); return;
      case Value::Kind::kList: {
        if (v.is_range()) not_serializable(v);
        const auto& items = v.items();
        if (items.empty()) {
          out_ += "[]";
          return;
        }
        out_.push_back('[');
        for (size_t i = 0; i < items.size(); ++i) {
          if (i) out_ += f_.item_separator;
          newline(level + 1);
          write(items[i], level + 1);
        }
        newline(level);
        out_.push_back(']');
        return;
      }
      case Value::Kind::kDict: write_dict(v.dict_data(), level); return;
      default: not_serializable(v);
    }
  }

 private:
  void newline(int level) {
    if (!f_.indent) return;
    out_.push_back('\n');
    for (int i = 0; i < level; ++i) out_ += *f_.indent;
  }

  void write_dict(const DictData& d, int level) {
    if (d.size() == 0) {
      out_ += "{}";
      return;
    }
    std::vector<const std::pair<Value, Value>*> entries;
    for (const auto& e : d.entries()) entries.push_back(&e);
    if (f_.sort_keys) {
      std::stable_sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return py_less(a->first, b->first); });
    }
    out_.push_back('{');
    bool first = true;
    for (const auto* e : entries) {
      if (!first) out_ += f_.item_separator;
      first = false;
      newline(level + 1);
      append_json_string(out_, key_text(e->first), f_.ensure_ascii);
      out_ += f_.key_separator;
      write(e->second, level + 1);
    }
    newline(level);
    out_.push_back('}');
  }

  const JsonFormat& f_;
  std::string& out_;
};

}  // namespace

std::string to_json(const Value& v, const JsonFormat& format) {
  std::string out;
  JsonWriter(format, out).write(v, 0);
  return out;
}

}  // namespace hearth::chat

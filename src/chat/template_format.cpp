// chat: Python string formatting: str.format() with the format-spec mini-language, and the
// printf-style `str % args`.
#include <cmath>

#include <fmt/format.h>

#include "chat/py_text.h"
#include "chat/template_builtins.h"

namespace hearth::chat {
namespace {

struct Spec {
  uint32_t fill = ' ';
  char align = 0;  // '<', '>', '^', '=' or 0 (type default)
  char sign = '-';
  bool alternate = false;
  int64_t width = -1;
  char grouping = 0;
  int64_t precision = -1;
  char type = 0;
};

Spec parse_spec(const std::string& text) {
  Spec spec;
  const auto cps = utf8_decode(text);
  size_t i = 0;
  auto is_align = [](uint32_t c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  if (cps.size() >= 2 && is_align(cps[1])) {
    spec.fill = cps[0];
    spec.align = static_cast<char>(cps[1]);
    i = 2;
  } else if (!cps.empty() && is_align(cps[0])) {
    spec.align = static_cast<char>(cps[0]);
    i = 1;
  }
  if (i < cps.size() && (cps[i] == '+' || cps[i] == '-' || cps[i] == ' ')) spec.sign = static_cast<char>(cps[i++]);
  if (i < cps.size() && cps[i] == '#') {
    spec.alternate = true;
    ++i;
  }
  if (i < cps.size() && cps[i] == '0') {
    if (!spec.align) {
      spec.fill = '0';
      spec.align = '=';
    }
    ++i;
  }
  auto number = [&]() {
    int64_t n = 0;
    bool any = false;
    while (i < cps.size() && cps[i] >= '0' && cps[i] <= '9') {
      n = n * 10 + (cps[i++] - '0');
      if (n > 1'000'000) throw_error(ErrorKind::kType, "Too many decimal digits in format string");
      any = true;
    }
    return any ? n : -1;
  };
  spec.width = number();
  if (i < cps.size() && (cps[i] == ',' || cps[i] == '_')) spec.grouping = static_cast<char>(cps[i++]);
  if (i < cps.size() && cps[i] == '.') {
    ++i;
    spec.precision = number();
    if (spec.precision < 0) throw_error(ErrorKind::kType, "Format specifier missing precision");
  }
  if (i < cps.size()) spec.type = static_cast<char>(cps[i++]);
  if (i != cps.size()) throw_error(ErrorKind::kType, "Invalid format specifier");
  return spec;
}

std::string group_digits(const std::string& digits, char sep) {
  if (!sep) return digits;
  std::string out;
  const size_t n = digits.size();
  for (size_t i = 0; i < n; ++i) {
    if (i && (n - i) % 3 == 0) out.push_back(sep);
    out.push_back(digits[i]);
  }
  return out;
}

std::string apply_width(const std::string& sign, const std::string& body, const Spec& spec, char default_align) {
  const auto len = static_cast<int64_t>(utf8_length(sign) + utf8_length(body));
  if (spec.width <= len) return sign + body;
  std::string fill;
  utf8_append(fill, spec.fill);
  const int64_t total = spec.width - len;
  const char align = spec.align ? spec.align : default_align;
  std::string pad_left, pad_right;
  const int64_t left = align == '<' ? 0 : align == '^' ? total / 2 : total;
  for (int64_t k = 0; k < left; ++k) pad_left += fill;
  for (int64_t k = 0; k < total - left; ++k) pad_right += fill;
  if (align == '=') return sign + pad_left + body;
  return pad_left + sign + body + pad_right;
}

std::string format_float(double v, char type, int64_t precision, bool alternate) {
  if (std::isnan(v) || std::isinf(v)) {
    std::string s = std::isnan(v) ? "nan" : "inf";
    if (type == 'F' || type == 'E' || type == 'G') s = py_upper(s);
    return s;
  }
  const int p = static_cast<int>(precision < 0 ? 6 : precision);
  switch (type) {
    case 'f': case 'F': return fmt::format("{:.{}f}", v, p);
    case 'e': return fmt::format("{:.{}e}", v, p);
    case 'E': return fmt::format("{:.{}E}", v, p);
    case '%': return fmt::format("{:.{}f}%", v * 100, p);
    case 'g': case 'G': {
      std::string s = alternate ? fmt::format("{:#.{}g}", v, std::max(p, 1)) : fmt::format("{:.{}g}", v, std::max(p, 1));
      return type == 'G' ? py_upper(s) : s;
    }
    default: {  // no type: repr, or %g-like keeping a decimal point
      if (precision < 0) return py_float_repr(v);
      std::string s = fmt::format("{:.{}g}", v, std::max(p, 1));
      if (s.find_first_of(".einf") == std::string::npos) s += ".0";
      return s;
    }
  }
}

// format(value, spec) for the types templates format.
std::string format_value(const Value& v, const std::string& spec_text) {
  if (spec_text.empty()) return py_str(v);
  const Spec spec = parse_spec(spec_text);
  if (v.is_string()) {
    if (spec.type && spec.type != 's') {
      throw_error(ErrorKind::kType, fmt::format("Unknown format code '{}' for object of type 'str'", spec.type));
    }
    std::string body = v.as_string();
    if (spec.precision >= 0) {
      const auto cps = utf8_decode(body);
      body = utf8_encode(cps, 0, std::min(cps.size(), static_cast<size_t>(spec.precision)));
    }
    return apply_width("", body, spec, '<');
  }
  if (v.is_number()) {
    const bool as_int = (v.is_int() || v.is_bool()) && spec.type != 'f' && spec.type != 'F' && spec.type != 'e' &&
                        spec.type != 'E' && spec.type != 'g' && spec.type != 'G' && spec.type != '%';
    const bool negative = v.as_double() < 0 || std::signbit(v.as_double());
    std::string sign = negative ? "-" : spec.sign == '+' ? "+" : spec.sign == ' ' ? " " : "";
    std::string body;
    if (as_int) {
      if (v.is_bool() && !spec.type) return apply_width("", py_str(v), spec, '<');
      const int64_t i = v.as_integer();
      const uint64_t mag = i < 0 ? 0 - static_cast<uint64_t>(i) : static_cast<uint64_t>(i);
      switch (spec.type) {
        case 0: case 'd': case 'n': body = group_digits(std::to_string(mag), spec.grouping); break;
        case 'x': body = (spec.alternate ? "0x" : "") + fmt::format("{:x}", mag); break;
        case 'X': body = (spec.alternate ? "0X" : "") + fmt::format("{:X}", mag); break;
        case 'o': body = (spec.alternate ? "0o" : "") + fmt::format("{:o}", mag); break;
        case 'b': body = (spec.alternate ? "0b" : "") + fmt::format("{:b}", mag); break;
        case 'c': sign.clear(); utf8_append(body, static_cast<uint32_t>(i)); break;
        default: throw_error(ErrorKind::kType, fmt::format("Unknown format code '{}' for object of type 'int'", spec.type));
      }
    } else {
      if (v.is_float() && spec.type && std::string_view("fFeEgG%").find(spec.type) == std::string_view::npos) {
        throw_error(ErrorKind::kType, fmt::format("Unknown format code '{}' for object of type 'float'", spec.type));
      }
      body = format_float(std::fabs(v.as_double()), spec.type, spec.precision, spec.alternate);
      if (spec.grouping) {
        const size_t dot = body.find_first_not_of("0123456789");
        body = group_digits(body.substr(0, dot), spec.grouping) + (dot == std::string::npos ? "" : body.substr(dot));
      }
    }
    return apply_width(sign, body, spec, '>');
  }
  throw_error(ErrorKind::kType, fmt::format("unsupported format string passed to {}.__format__", type_name(v)));
}

// Follows `.attr` and `[key]` parts of a str.format field name.
Value resolve_field(Interpreter& in, Value v, std::string_view rest) {
  size_t i = 0;
  while (i < rest.size()) {
    if (rest[i] == '.') {
      size_t j = i + 1;
      while (j < rest.size() && rest[j] != '.' && rest[j] != '[') ++j;
      v = in.getattr(v, rest.substr(i + 1, j - i - 1));
      i = j;
    } else if (rest[i] == '[') {
      const size_t close = rest.find(']', i);
      if (close == std::string_view::npos) throw_error(ErrorKind::kType, "Missing ']' in format string");
      const std::string key(rest.substr(i + 1, close - i - 1));
      const bool digits = !key.empty() && key.find_first_not_of("0123456789") == std::string::npos && key.size() < 18;
      v = in.getitem(v, digits ? Value::integer(std::stoll(key)) : Value::string(key));
      i = close + 1;
    } else {
      throw_error(ErrorKind::kType, "Only '.' or '[' may follow ']' in format field specifier");
    }
  }
  return v;
}

}  // namespace

std::string py_str_format(Interpreter& in, const std::string& format, CallArgs& args) {
  std::string out;
  size_t auto_index = 0;
  bool used_auto = false, used_manual = false;
  for (size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    if (c == '}') {
      if (i + 1 < format.size() && format[i + 1] == '}') {
        out.push_back('}');
        ++i;
        continue;
      }
      throw_error(ErrorKind::kType, "Single '}' encountered in format string");
    }
    if (c != '{') {
      out.push_back(c);
      continue;
    }
    if (i + 1 < format.size() && format[i + 1] == '{') {
      out.push_back('{');
      ++i;
      continue;
    }
    // Find the matching '}' (a nested '{...}' in the spec is not supported).
    const size_t close = format.find('}', i);
    if (close == std::string::npos) throw_error(ErrorKind::kType, "Single '{' encountered in format string");
    std::string field = format.substr(i + 1, close - i - 1);
    i = close;
    std::string spec, conversion;
    if (size_t colon = field.find(':'); colon != std::string::npos) {
      spec = field.substr(colon + 1);
      field.resize(colon);
    }
    if (size_t bang = field.find('!'); bang != std::string::npos) {
      conversion = field.substr(bang + 1);
      field.resize(bang);
    }
    const size_t name_end = field.find_first_of(".[");
    const std::string name = field.substr(0, name_end);
    Value v;
    if (name.empty()) {
      if (used_manual) throw_error(ErrorKind::kType, "cannot switch from manual field specification to automatic field numbering");
      used_auto = true;
      if (auto_index >= args.positional.size()) throw_error(ErrorKind::kType, fmt::format("Replacement index {} out of range for positional args tuple", auto_index));
      v = args.positional[auto_index++];
    } else if (name.find_first_not_of("0123456789") == std::string::npos) {
      if (used_auto) throw_error(ErrorKind::kType, "cannot switch from automatic field numbering to manual field specification");
      used_manual = true;
      const size_t idx = name.size() < 9 ? std::stoul(name) : SIZE_MAX;
      if (idx >= args.positional.size()) throw_error(ErrorKind::kType, fmt::format("Replacement index {} out of range for positional args tuple", name));
      v = args.positional[idx];
    } else {
      bool found = false;
      for (auto& [k, val] : args.keyword) {
        if (k == name) {
          v = val;
          found = true;
        }
      }
      if (!found) throw_error(ErrorKind::kType, fmt::format("KeyError: {}", py_str_repr(name)));
    }
    if (name_end != std::string::npos) v = resolve_field(in, v, std::string_view(field).substr(name_end));
    if (conversion == "r" || conversion == "a") {
      v = Value::string(py_repr(v));
    } else if (conversion == "s") {
      v = Value::string(py_str(v));
    } else if (!conversion.empty()) {
      throw_error(ErrorKind::kType, fmt::format("Unknown conversion specifier {}", conversion));
    }
    out += format_value(v, spec);
    in.check_size(out.size());
  }
  return out;
}

std::string py_percent_format(Interpreter& in, const std::string& format, const Value& args) {
  const bool is_tuple = args.is_tuple();
  const ValueList single{args};
  const ValueList& positional = is_tuple ? args.items() : single;
  size_t next = 0;
  bool used_mapping = false;
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out.push_back(format[i]);
      continue;
    }
    if (++i >= format.size()) throw_error(ErrorKind::kType, "incomplete format");
    Value v;
    bool have_value = false;
    if (format[i] == '(') {
      const size_t close = format.find(')', i);
      if (close == std::string::npos) throw_error(ErrorKind::kType, "incomplete format key");
      if (!args.is_dict()) throw_error(ErrorKind::kType, "format requires a mapping");
      const Value* found = args.dict_data().find(std::string_view(format).substr(i + 1, close - i - 1));
      if (!found) throw_error(ErrorKind::kType, fmt::format("KeyError: {}", py_str_repr(format.substr(i + 1, close - i - 1))));
      v = *found;
      have_value = used_mapping = true;
      i = close + 1;
    }
    Spec spec;
    spec.align = '>';
    for (; i < format.size() && std::string_view("-+ 0#").find(format[i]) != std::string_view::npos; ++i) {
      if (format[i] == '-') spec.align = '<';
      if (format[i] == '+' || format[i] == ' ') spec.sign = spec.sign == '+' ? '+' : format[i];
      if (format[i] == '0' && spec.align != '<') spec.fill = '0';
      if (format[i] == '#') spec.alternate = true;
    }
    auto number = [&]() -> int64_t {
      if (i < format.size() && format[i] == '*') {
        ++i;
        if (next >= positional.size()) throw_error(ErrorKind::kType, "not enough arguments for format string");
        return expect_int(positional[next++], "* width");
      }
      int64_t n = -1;
      while (i < format.size() && format[i] >= '0' && format[i] <= '9') n = (n < 0 ? 0 : n * 10) + (format[i++] - '0');
      return n;
    };
    spec.width = number();
    if (i < format.size() && format[i] == '.') {
      ++i;
      spec.precision = std::max<int64_t>(0, number());
    }
    if (i >= format.size()) throw_error(ErrorKind::kType, "incomplete format");
    const char type = format[i];
    if (type == '%') {
      out.push_back('%');
      continue;
    }
    if (!have_value) {
      if (next >= positional.size()) throw_error(ErrorKind::kType, "not enough arguments for format string");
      v = positional[next++];
    }
    if (spec.fill == '0' && spec.align == '>') spec.align = '=';
    std::string text;
    if (type == 's' || type == 'r' || type == 'a') {
      text = type == 's' ? py_str(v) : py_repr(v);
      if (spec.precision >= 0) text = utf8_encode(utf8_decode(text), 0, std::min<size_t>(utf8_length(text), spec.precision));
      spec.fill = ' ';
      text = apply_width("", text, spec, '>');
    } else if (std::string_view("diuxXofFeEgGc").find(type) != std::string_view::npos) {
      if (v.is_undefined()) fail_undefined(v);
      if (!v.is_number()) throw_error(ErrorKind::kType, fmt::format("%{} format: a real number is required, not {}", type, type_name(v)));
      const char t = type == 'i' || type == 'u' ? 'd' : type;
      const bool integral = t == 'd' || t == 'x' || t == 'X' || t == 'o' || t == 'c';
      const double d = v.as_double();
      if (integral && v.is_float() && !(std::fabs(d) < 9.2e18)) throw_error(ErrorKind::kLimit, "integer result out of range");
      const int64_t iv = v.is_float() ? static_cast<int64_t>(d) : v.as_integer();
      const bool negative = integral ? iv < 0 : (d < 0 || std::signbit(d));
      std::string sign = negative ? "-" : spec.sign == '+' ? "+" : spec.sign == ' ' ? " " : "";
      std::string body;
      const uint64_t mag = iv < 0 ? 0 - static_cast<uint64_t>(iv) : static_cast<uint64_t>(iv);
      switch (t) {
        case 'd': body = std::to_string(mag); break;
        case 'x': body = (spec.alternate ? "0x" : "") + fmt::format("{:x}", mag); break;
        case 'X': body = (spec.alternate ? "0X" : "") + fmt::format("{:X}", mag); break;
        case 'o': body = (spec.alternate ? "0o" : "") + fmt::format("{:o}", mag); break;
        case 'c': sign.clear(); utf8_append(body, static_cast<uint32_t>(iv)); break;
        default: body = format_float(std::fabs(d), t, spec.precision < 0 ? 6 : spec.precision, spec.alternate);
      }
      text = apply_width(sign, body, spec, '>');
    } else {
      throw_error(ErrorKind::kType, fmt::format("unsupported format character '{}'", type));
    }
    out += text;
    in.check_size(out.size());
  }
  if (is_tuple && next < positional.size()) throw_error(ErrorKind::kType, "not all arguments converted during string formatting");
  // Python treats any non-tuple with __getitem__ (dict, list) as a mapping: no error then.
  if (!is_tuple && !args.is_dict() && !args.is_list() && !args.is_undefined() && next == 0 && !used_mapping) {
    throw_error(ErrorKind::kType, "not all arguments converted during string formatting");
  }
  return out;
}

}  // namespace hearth::chat

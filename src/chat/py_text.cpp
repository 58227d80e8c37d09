// chat: Python str semantics on UTF-8 text.
#include "chat/py_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace hearth::chat {

std::vector<uint32_t> utf8_decode(std::string_view s) {
  std::vector<uint32_t> out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      out.push_back(b0);
      ++i;
      continue;
    }
    int extra = b0 >= 0xF0 && b0 < 0xF5 ? 3 : b0 >= 0xE0 ? 2 : b0 >= 0xC2 && b0 < 0xE0 ? 1 : -1;
    if (extra < 0 || i + static_cast<size_t>(extra) >= s.size()) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    uint32_t cp = b0 & (0x3F >> extra);
    bool ok = true;
    for (int k = 1; k <= extra; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (b & 0x3F);
    }
    // Overlong forms and surrogates are invalid UTF-8.
    if (ok && ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
               (cp >= 0xD800 && cp <= 0xDFFF))) {
      ok = false;
    }
    if (!ok) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += extra + 1;
  }
  return out;
}

void utf8_append(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string utf8_encode(const std::vector<uint32_t>& cps, size_t begin, size_t end) {
  std::string out;
  out.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) utf8_append(out, cps[i]);
  return out;
}

bool is_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

size_t utf8_length(std::string_view s) {
  if (is_ascii(s)) return s.size();
  return utf8_decode(s).size();
}

bool py_isspace(uint32_t cp) {
  if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

namespace {

// Lower/upper pairs that differ by a fixed offset over a range (step 1) or alternate (step 2).
struct CaseRange {
  uint32_t upper_first, upper_last;
  int32_t delta;  // lower = upper + delta
  int step;
};

constexpr CaseRange kCaseRanges[] = {
    {'A', 'Z', 32, 1},         {0xC0, 0xD6, 32, 1},       {0xD8, 0xDE, 32, 1},
    {0x100, 0x12E, 1, 2},      {0x132, 0x136, 1, 2},      {0x139, 0x147, 1, 2},
    {0x14A, 0x176, 1, 2},      {0x179, 0x17D, 1, 2},      {0x391, 0x3A1, 32, 1},
    {0x3A3, 0x3AB, 32, 1},     {0x400, 0x40F, 80, 1},     {0x410, 0x42F, 32, 1},
    {0x460, 0x480, 1, 2},      {0x48A, 0x4BE, 1, 2},      {0x4D0, 0x52E, 1, 2},
    {0x531, 0x556, 48, 1},     {0x1E00, 0x1E94, 1, 2},    {0x1EA0, 0x1EFE, 1, 2},
    {0xFF21, 0xFF3A, 32, 1},
};

bool in_range_upper(const CaseRange& r, uint32_t cp) {
  return cp >= r.upper_first && cp <= r.upper_last && (cp - r.upper_first) % r.step == 0;
}

bool in_range_lower(const CaseRange& r, uint32_t cp) {
  const uint32_t first = r.upper_first + r.delta, last = r.upper_last + r.delta;
  return cp >= first && cp <= last && (cp - first) % r.step == 0;
}

}  // namespace

uint32_t py_to_upper(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') ? cp - 32 : cp;
  if (cp == 0xFF) return 0x178;
  if (cp == 0xB5) return 0x39C;
  if (cp == 0x3C2) return 0x3A3;  // final sigma
  for (const auto& r : kCaseRanges) {
    if (in_range_lower(r, cp)) return cp - r.delta;
  }
  return cp;
}

uint32_t py_to_lower(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if (cp == 0x178) return 0xFF;
  for (const auto& r : kCaseRanges) {
    if (in_range_upper(r, cp)) return cp + r.delta;
  }
  return cp;
}

bool py_is_upper(uint32_t cp) { return py_to_lower(cp) != cp; }
bool py_is_lower(uint32_t cp) { return py_to_upper(cp) != cp || cp == 0xDF; }

bool py_is_alpha(uint32_t cp) {
  if (cp < 0x80) return (cp | 32) >= 'a' && (cp | 32) <= 'z';
  if (cp == 0xD7 || cp == 0xF7) return false;
  if (py_is_upper(cp) || py_is_lower(cp)) return true;
  // Letters without case: CJK, kana, Hangul, Arabic, Hebrew, Devanagari and the like.
  return (cp >= 0xAA && cp <= 0xFF && cp != 0xAB && cp != 0xBB && !(cp >= 0xAC && cp <= 0xB4) &&
          !(cp >= 0xB6 && cp <= 0xB9) && !(cp >= 0xBC && cp <= 0xBF)) ||
         (cp >= 0x5D0 && cp <= 0x5EA) || (cp >= 0x620 && cp <= 0x64A) ||
         (cp >= 0x904 && cp <= 0x939) || (cp >= 0x3041 && cp <= 0x3096) ||
         (cp >= 0x30A1 && cp <= 0x30FA) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0x3400 && cp <= 0x4DBF);
}

bool py_is_digit(uint32_t cp) {
  return (cp >= '0' && cp <= '9') || (cp >= 0x660 && cp <= 0x669) || (cp >= 0xFF10 && cp <= 0xFF19);
}

namespace {

template <typename F>
std::string map_code_points(std::string_view s, F f) {
  std::string out;
  out.reserve(s.size());
  if (is_ascii(s)) {
    for (char c : s) out.push_back(static_cast<char>(f(static_cast<unsigned char>(c))));
    return out;
  }
  for (uint32_t cp : utf8_decode(s)) {
    if (cp == 0xDF && f(cp) == cp && f('a') == 'A') {
      out += "SS";  // 'ß'.upper() == 'SS'
      continue;
    }
    utf8_append(out, f(cp));
  }
  return out;
}

}  // namespace

std::string py_upper(std::string_view s) { return map_code_points(s, py_to_upper); }
std::string py_lower(std::string_view s) { return map_code_points(s, py_to_lower); }

std::string py_capitalize(std::string_view s) {
  auto cps = utf8_decode(s);
  std::string out;
  for (size_t i = 0; i < cps.size(); ++i) utf8_append(out, i == 0 ? py_to_upper(cps[i]) : py_to_lower(cps[i]));
  return out;
}

std::string py_title(std::string_view s) {
  std::string out;
  bool previous_cased = false;
  for (uint32_t cp : utf8_decode(s)) {
    const bool cased = py_is_upper(cp) || py_is_lower(cp);
    utf8_append(out, cased ? (previous_cased ? py_to_lower(cp) : py_to_upper(cp)) : cp);
    previous_cased = cased;
  }
  return out;
}

std::string py_strip(std::string_view s, const std::string* chars, bool left, bool right) {
  const auto cps = utf8_decode(s);
  std::vector<uint32_t> strip_set;
  if (chars) strip_set = utf8_decode(*chars);
  auto strip_it = [&](uint32_t cp) {
    if (!chars) return py_isspace(cp);
    for (uint32_t c : strip_set) {
      if (c == cp) return true;
    }
    return false;
  };
  size_t b = 0, e = cps.size();
  if (left) {
    while (b < e && strip_it(cps[b])) ++b;
  }
  if (right) {
    while (e > b && strip_it(cps[e - 1])) --e;
  }
  return utf8_encode(cps, b, e);
}

namespace {

// CPython's str.isprintable(): false for controls, format characters, separators other than
// the space, surrogates, private use and a few unassigned code points.
bool py_is_printable(uint32_t cp) {
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0xAD) return false;
  if ((cp >= 0x600 && cp <= 0x605) || cp == 0x61C || cp == 0x6DD || cp == 0x70F || cp == 0x180E)
    return false;
  if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F)) return false;
  if ((cp >= 0x205F && cp <= 0x206F) || cp == 0x3000 || (cp >= 0xD800 && cp <= 0xF8FF)) return false;
  if (cp == 0xFEFF || (cp >= 0xFFF0 && cp <= 0xFFFB) || cp == 0xFFFE || cp == 0xFFFF) return false;
  if (cp == 0xE0001 || (cp >= 0xE0020 && cp <= 0xE007F) || cp >= 0xF0000) return false;
  return true;
}

}  // namespace

std::string py_str_repr(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back(quote);
  for (uint32_t cp : utf8_decode(s)) {
    char buf[16];
    if (cp == static_cast<uint32_t>(quote) || cp == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(cp));
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp < 0x7F && cp >= 0x20) {
      out.push_back(static_cast<char>(cp));
    } else if (cp >= 0x80 && py_is_printable(cp)) {
      utf8_append(out, cp);
    } else if (cp <= 0xFF) {
      std::snprintf(buf, sizeof buf, "\\x%02x", cp);
      out += buf;
    } else if (cp <= 0xFFFF) {
      std::snprintf(buf, sizeof buf, "\\u%04x", cp);
      out += buf;
    } else {
      std::snprintf(buf, sizeof buf, "\\U%08x", cp);
      out += buf;
    }
  }
  out.push_back(quote);
  return out;
}

std::string py_float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  // Shortest round-trip digits, then laid out the way CPython's repr lays them out.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view sci(buf, res.ptr - buf);
  std::string out;
  if (!sci.empty() && sci[0] == '-') {
    out.push_back('-');
    sci.remove_prefix(1);
  }
  const size_t epos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, epos)) {
    if (c != '.') digits.push_back(c);
  }
  const int exp10 = std::atoi(std::string(sci.substr(epos + 1)).c_str());
  const int decpt = exp10 + 1;  // value = 0.DIGITS * 10^decpt
  const int n = static_cast<int>(digits.size());
  if (decpt <= -4 || decpt > 16) {
    out.push_back(digits[0]);
    if (n > 1) {
      out.push_back('.');
      out.append(digits, 1, std::string::npos);
    }
    std::snprintf(buf, sizeof buf, "e%c%02d", exp10 < 0 ? '-' : '+', std::abs(exp10));
    out += buf;
  } else if (decpt <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-decpt), '0');
    out += digits;
  } else if (decpt >= n) {
    out += digits;
    out.append(static_cast<size_t>(decpt - n), '0');
    out += ".0";
  } else {
    out.append(digits, 0, decpt);
    out.push_back('.');
    out.append(digits, decpt, std::string::npos);
  }
  return out;
}

}  // namespace hearth::chat

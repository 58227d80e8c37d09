// chat: Python str semantics on UTF-8 text.
#include "chat/py_text.h"

#include <algorithm>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "chat/py_unicode_tables.h"

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

using unicode_tables::kTable;

const unicode_tables::CasePair* find_pair(const unicode_tables::CasePair* pairs, size_t n, uint32_t cp) {
  const auto* end = pairs + n;
  const auto* it = std::lower_bound(pairs, end, cp, [](const auto& p, uint32_t v) { return p.from < v; });
  return it != end && it->from == cp ? it : nullptr;
}

const char* find_expansion(const unicode_tables::CaseExpansion* items, size_t n, uint32_t cp) {
  const auto* end = items + n;
  const auto* it = std::lower_bound(items, end, cp, [](const auto& e, uint32_t v) { return e.from < v; });
  return it != end && it->from == cp ? it->to_utf8 : nullptr;
}

}  // namespace

uint32_t py_to_upper(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') ? cp - 32 : cp;
  const auto* p = find_pair(kTable.upper, kTable.n_upper, cp);
  return p ? p->to : cp;
}

uint32_t py_to_lower(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  const auto* p = find_pair(kTable.lower, kTable.n_lower, cp);
  return p ? p->to : cp;
}

bool py_is_upper(uint32_t cp) {
  return py_to_lower(cp) != cp || find_expansion(kTable.lower_expansions, kTable.n_lower_expansions, cp);
}
bool py_is_lower(uint32_t cp) {
  return py_to_upper(cp) != cp || find_expansion(kTable.upper_expansions, kTable.n_upper_expansions, cp);
}

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

std::string change_case(std::string_view s, bool upper) {
  std::string out;
  out.reserve(s.size());
  if (is_ascii(s)) {
    for (char c : s) {
      const auto u = static_cast<unsigned char>(c);
      out.push_back(static_cast<char>(upper ? py_to_upper(u) : py_to_lower(u)));
    }
    return out;
  }
  for (uint32_t cp : utf8_decode(s)) {
    // Full case mapping: a few code points map to several ('ß'.upper() == 'SS').
    const char* expansion = upper ? find_expansion(kTable.upper_expansions, kTable.n_upper_expansions, cp)
                                  : find_expansion(kTable.lower_expansions, kTable.n_lower_expansions, cp);
    if (expansion) {
      out += expansion;
    } else {
      utf8_append(out, upper ? py_to_upper(cp) : py_to_lower(cp));
    }
  }
  return out;
}

}  // namespace

std::string py_upper(std::string_view s) { return change_case(s, true); }
std::string py_lower(std::string_view s) { return change_case(s, false); }

std::string py_capitalize(std::string_view s) {
  if (s.empty()) return "";
  size_t first_len = 1;
  while (first_len < s.size() && (static_cast<unsigned char>(s[first_len]) & 0xC0) == 0x80) ++first_len;
  return change_case(s.substr(0, first_len), true) + change_case(s.substr(first_len), false);
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

// CPython's str.isprintable() (what repr() escapes).
bool py_is_printable(uint32_t cp) {
  if (cp >= 0x20 && cp < 0x7F) return true;
  const auto* begin = kTable.non_printable;
  const auto* end = begin + kTable.n_non_printable;
  const auto* it = std::upper_bound(begin, end, cp, [](uint32_t v, const auto& r) { return v < r.first; });
  return it == begin || cp > (it - 1)->last;
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

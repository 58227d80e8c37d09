// chat: the template lexer. Follows jinja2 3.1's lexer rule by rule (root / comment / block /
// variable / raw states) because chat templates depend on its exact whitespace handling.
#include "chat/template_lexer.h"

#include <cstdlib>

#include <fmt/format.h>

#include "chat/py_text.h"
#include "chat/template_value.h"

namespace hearth::chat {
namespace {

// Length of the (possibly multi-byte) whitespace code point at s[pos], 0 if none.
size_t whitespace_at(std::string_view s, size_t pos) {
  if (pos >= s.size()) return 0;
  const auto c = static_cast<unsigned char>(s[pos]);
  if (c < 0x80) return py_isspace(c) ? 1 : 0;
  size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  if (pos + len > s.size()) return 0;
  auto cps = utf8_decode(s.substr(pos, len));
  return cps.size() == 1 && py_isspace(cps[0]) ? len : 0;
}

size_t skip_whitespace(std::string_view s, size_t pos) {
  while (size_t n = whitespace_at(s, pos)) pos += n;
  return pos;
}

// Python str.rstrip() with no argument.
std::string_view rstrip_whitespace(std::string_view s) {
  size_t end = s.size();
  while (end > 0) {
    size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80 && end - start < 4) --start;
    if (whitespace_at(s, start) != end - start) break;
    end = start;
  }
  return s.substr(0, end);
}

bool all_whitespace(std::string_view s) { return !s.empty() && skip_whitespace(s, 0) == s.size(); }

int count_newlines(std::string_view s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

// `\r\n` and `\r` become `\n`; one trailing newline is dropped (keep_trailing_newline=False).
std::string normalize_source(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out.push_back(source[i]);
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view source) : src_(normalize_source(source)) {}

  std::vector<Token> run() {
    while (pos_ < src_.size()) lex_root_step();
    Token eof;
    eof.type = TokenType::kEof;
    eof.line = line_;
    out_.push_back(std::move(eof));
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(const std::string& message) {
    throw TemplateException{ErrorKind::kSyntax, message, line_};
  }

  void emit(TokenType type, std::string text, int line) {
    Token t;
    t.type = type;
    t.text = std::move(text);
    t.line = line;
    out_.push_back(std::move(t));
  }

  // Text before a tag, after `-` (strip all whitespace) or lstrip_blocks (strip the indentation
  // of a block or comment tag standing at the start of a line).
  void emit_text_before_tag(std::string_view text, char sign, bool is_variable) {
    const int line = line_;
    std::string_view kept = text;
    if (sign == '-') {
      kept = rstrip_whitespace(text);
    } else if (sign != '+' && !is_variable) {
      const size_t nl = text.rfind('\n');
      const size_t l_pos = nl == std::string_view::npos ? 0 : nl + 1;
      if ((l_pos > 0 || line_starting_) && all_whitespace(text.substr(l_pos))) kept = text.substr(0, l_pos);
    }
    if (!kept.empty()) emit(TokenType::kText, std::string(kept), line);
    line_ += count_newlines(text);
  }

  void lex_root_step() {
    const size_t k = find_tag_start(pos_);
    if (k == std::string::npos) {
      std::string_view rest = std::string_view(src_).substr(pos_);
      emit(TokenType::kText, std::string(rest), line_);
      line_ += count_newlines(rest);
      pos_ = src_.size();
      return;
    }
    const char kind = src_[k + 1];
    size_t after = k + 2;
    const char sign = after < src_.size() && (src_[after] == '-' || src_[after] == '+') ? src_[after] : 0;
    if (sign) ++after;
    const std::string_view text = std::string_view(src_).substr(pos_, k - pos_);
    size_t raw_end = 0;
    const bool raw = kind == '%' && match_raw_begin(after, &raw_end);
    emit_text_before_tag(text, sign, kind == '{');
    if (raw) {
      line_ += count_newlines(std::string_view(src_).substr(k, raw_end - k));
      line_starting_ = src_[raw_end - 1] == '\n';
      pos_ = raw_end;
      lex_raw_body();
      return;
    }
    pos_ = after;
    line_starting_ = false;
    if (kind == '#') {
      lex_comment();
    } else {
      lex_tag(kind == '{');
    }
  }

  size_t find_tag_start(size_t from) const {
    for (size_t i = src_.find('{', from); i != std::string::npos && i + 1 < src_.size(); i = src_.find('{', i + 1)) {
      const char c = src_[i + 1];
      if (c == '{' || c == '%' || c == '#') return i;
    }
    return std::string::npos;
  }

  // `{%[-+]?\s*raw\s*(-%}\s*|%})` starting after the sign.
  bool match_raw_begin(size_t p, size_t* end) const {
    p = skip_whitespace(src_, p);
    if (src_.compare(p, 3, "raw") != 0) return false;
    p = skip_whitespace(src_, p + 3);
    if (src_.compare(p, 3, "-%}") == 0) {
      *end = skip_whitespace(src_, p + 3);
      return true;
    }
    if (src_.compare(p, 2, "%}") == 0) {
      *end = p + 2;
      return true;
    }
    return false;
  }

  void lex_raw_body() {
    for (size_t j = src_.find("{%", pos_); j != std::string::npos; j = src_.find("{%", j + 1)) {
      size_t p = j + 2;
      const char sign = p < src_.size() && (src_[p] == '-' || src_[p] == '+') ? src_[p] : 0;
      if (sign) ++p;
      p = skip_whitespace(src_, p);
      if (src_.compare(p, 6, "endraw") != 0) continue;
      p = skip_whitespace(src_, p + 6);
      size_t end;
      if (src_.compare(p, 3, "+%}") == 0) {
        end = p + 3;
      } else if (src_.compare(p, 3, "-%}") == 0) {
        end = skip_whitespace(src_, p + 3);
      } else if (src_.compare(p, 2, "%}") == 0) {
        end = p + 2;
        if (end < src_.size() && src_[end] == '\n') ++end;
      } else {
        continue;
      }
      emit_text_before_tag(std::string_view(src_).substr(pos_, j - pos_), sign, false);
      line_ += count_newlines(std::string_view(src_).substr(j, end - j));
      line_starting_ = src_[end - 1] == '\n';
      pos_ = end;
      return;
    }
    fail("Missing end of raw directive");
  }

  void lex_comment() {
    for (size_t h = src_.find("#}", pos_); h != std::string::npos; h = src_.find("#}", h + 1)) {
      size_t end = h + 2;
      const char before = h > pos_ ? src_[h - 1] : 0;
      if (before == '-') {
        end = skip_whitespace(src_, end);
      } else if (before != '+' && end < src_.size() && src_[end] == '\n') {
        ++end;
      }
      line_ += count_newlines(std::string_view(src_).substr(pos_, end - pos_));
      line_starting_ = src_[end - 1] == '\n';
      pos_ = end;
      return;
    }
    fail("Missing end of comment tag");
  }

  // Matches the closing tag at pos_; returns its end or npos.
  size_t match_tag_end(bool is_variable) const {
    if (is_variable) {
      if (src_.compare(pos_, 3, "-}}") == 0) return skip_whitespace(src_, pos_ + 3);
      if (src_.compare(pos_, 2, "}}") == 0) return pos_ + 2;
      return std::string::npos;
    }
    if (src_.compare(pos_, 3, "+%}") == 0) return pos_ + 3;
    if (src_.compare(pos_, 3, "-%}") == 0) return skip_whitespace(src_, pos_ + 3);
    if (src_.compare(pos_, 2, "%}") == 0) {
      size_t end = pos_ + 2;
      if (end < src_.size() && src_[end] == '\n') ++end;  // trim_blocks
      return end;
    }
    return std::string::npos;
  }

  void lex_tag(bool is_variable) {
    emit(is_variable ? TokenType::kVarBegin : TokenType::kBlockBegin, "", line_);
    std::vector<char> balance;
    while (true) {
      if (pos_ >= src_.size()) fail(is_variable ? "unexpected end of template, expected '}}'" : "unexpected end of template, expected '%}'");
      if (balance.empty()) {
        const size_t end = match_tag_end(is_variable);
        if (end != std::string::npos) {
          emit(is_variable ? TokenType::kVarEnd : TokenType::kBlockEnd, "", line_);
          line_ += count_newlines(std::string_view(src_).substr(pos_, end - pos_));
          line_starting_ = src_[end - 1] == '\n';
          pos_ = end;
          return;
        }
      }
      if (size_t ws = skip_whitespace(src_, pos_); ws != pos_) {
        line_ += count_newlines(std::string_view(src_).substr(pos_, ws - pos_));
        pos_ = ws;
        continue;
      }
      if (lex_number() || lex_name() || lex_string()) continue;
      lex_operator(balance);
    }
  }

  // `(\d+_)*\d+` at p: digits separated by single underscores; returns end or npos.
  size_t match_digits(size_t p) const {
    if (p >= src_.size() || !is_digit(src_[p])) return std::string::npos;
    while (p < src_.size()) {
      if (is_digit(src_[p])) {
        ++p;
      } else if (src_[p] == '_' && p + 1 < src_.size() && is_digit(src_[p + 1])) {
        p += 2;
      } else {
        break;
      }
    }
    return p;
  }

  bool lex_number() {
    if (!is_digit(src_[pos_])) return false;
    if (pos_ == 0 || src_[pos_ - 1] != '.') {
      const size_t int_end = match_digits(pos_);
      size_t frac_end = std::string::npos;
      if (int_end < src_.size() && src_[int_end] == '.') frac_end = match_digits(int_end + 1);
      size_t exp_start = frac_end != std::string::npos ? frac_end : int_end;
      size_t exp_end = std::string::npos;
      if (exp_start < src_.size() && (src_[exp_start] == 'e' || src_[exp_start] == 'E')) {
        size_t p = exp_start + 1;
        if (p < src_.size() && (src_[p] == '+' || src_[p] == '-')) ++p;
        exp_end = match_digits(p);
      }
      const size_t end = exp_end != std::string::npos ? exp_end : frac_end;
      if (end != std::string::npos) {
        std::string digits;
        for (size_t i = pos_; i < end; ++i) {
          if (src_[i] != '_') digits.push_back(src_[i]);
        }
        Token t;
        t.type = TokenType::kFloat;
        t.line = line_;
        t.float_value = std::strtod(digits.c_str(), nullptr);
        t.text = std::move(digits);
        out_.push_back(std::move(t));
        pos_ = end;
        return true;
      }
    }
    lex_integer();
    return true;
  }

  void lex_integer() {
    int base = 10;
    size_t p = pos_;
    if (src_[p] == '0' && p + 1 < src_.size()) {
      const char c = static_cast<char>(src_[p + 1] | 32);
      base = c == 'b' ? 2 : c == 'o' ? 8 : c == 'x' ? 16 : 10;
    }
    auto digit_value = [&](char c) -> int {
      int v = is_digit(c) ? c - '0' : (c | 32) >= 'a' && (c | 32) <= 'f' ? (c | 32) - 'a' + 10 : 99;
      return v < base ? v : -1;
    };
    uint64_t value = 0;
    bool overflow = false;
    auto add_digit = [&](int d) {
      overflow |= __builtin_mul_overflow(value, static_cast<uint64_t>(base), &value);
      overflow |= __builtin_add_overflow(value, static_cast<uint64_t>(d), &value);
    };
    size_t end = p;
    if (base != 10) {
      size_t q = p + 2;
      size_t last_good = std::string::npos;
      while (q < src_.size()) {
        size_t r = q + (src_[q] == '_' ? 1 : 0);
        if (r >= src_.size() || digit_value(src_[r]) < 0) break;
        add_digit(digit_value(src_[r]));
        q = r + 1;
        last_good = q;
      }
      if (last_good == std::string::npos) {
        base = 10;  // "0b" without digits: just the integer 0
      } else {
        end = last_good;
      }
    }
    if (base == 10) {
      value = 0;
      if (src_[p] == '0') {
        end = p + 1;
        while (end + 1 < src_.size() && src_[end] == '_' && src_[end + 1] == '0') end += 2;
        while (end < src_.size() && src_[end] == '0') ++end;
      } else {
        end = match_digits(p);
        for (size_t i = p; i < end; ++i) {
          if (src_[i] != '_') add_digit(src_[i] - '0');
        }
      }
    }
    if (overflow || value > static_cast<uint64_t>(INT64_MAX)) fail("integer literal too large");
    Token t;
    t.type = TokenType::kInteger;
    t.line = line_;
    t.int_value = static_cast<int64_t>(value);
    t.text = src_.substr(p, end - p);
    out_.push_back(std::move(t));
    pos_ = end;
  }

  bool lex_name() {
    if (!is_name_start(src_[pos_])) return false;
    size_t end = pos_;
    while (end < src_.size() && is_name_char(src_[end])) ++end;
    emit(TokenType::kName, src_.substr(pos_, end - pos_), line_);
    pos_ = end;
    return true;
  }

  bool lex_string() {
    const char quote = src_[pos_];
    if (quote != '\'' && quote != '"') return false;
    size_t p = pos_ + 1;
    while (p < src_.size() && src_[p] != quote) p += src_[p] == '\\' ? 2 : 1;
    if (p >= src_.size()) fail(fmt::format("unexpected char '{}' at {}", quote, pos_));
    const int line = line_;
    std::string_view body = std::string_view(src_).substr(pos_ + 1, p - pos_ - 1);
    emit(TokenType::kString, unescape(body), line);
    line_ += count_newlines(body);
    pos_ = p + 1;
    return true;
  }

  // Python's unicode-escape decoding of a string literal's body.
  std::string unescape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '\\' || i + 1 >= s.size()) {
        out.push_back(s[i]);
        continue;
      }
      const char c = s[++i];
      switch (c) {
        case '\n': break;  // line continuation
        case '\\': out.push_back('\\'); break;
        case '\'': out.push_back('\''); break;
        case '"': out.push_back('"'); break;
        case 'a': out.push_back('\a'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'v': out.push_back('\v'); break;
        case 'x': case 'u': case 'U': {
          const size_t n = c == 'x' ? 2 : c == 'u' ? 4 : 8;
          if (i + n >= s.size()) fail(fmt::format("truncated \\{} escape in string literal", c));
          uint32_t cp = 0;
          for (size_t k = 1; k <= n; ++k) {
            const char h = s[i + k];
            const int v = is_digit(h) ? h - '0' : (h | 32) >= 'a' && (h | 32) <= 'f' ? (h | 32) - 'a' + 10 : -1;
            if (v < 0) fail(fmt::format("truncated \\{} escape in string literal", c));
            cp = cp * 16 + static_cast<uint32_t>(v);
          }
          if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail("illegal Unicode character in string literal");
          utf8_append(out, cp);
          i += n;
          break;
        }
        default:
          if (c >= '0' && c <= '7') {
            uint32_t cp = 0;
            size_t k = 0;
            while (k < 3 && i + k < s.size() && s[i + k] >= '0' && s[i + k] <= '7') cp = cp * 8 + (s[i + k++] - '0');
            utf8_append(out, cp);
            i += k - 1;
          } else {
            out.push_back('\\');  // unknown escapes stay as written
            out.push_back(c);
          }
      }
    }
    return out;
  }

  void lex_operator(std::vector<char>& balance) {
    static constexpr std::string_view kTwo[] = {"//", "**", "==", "!=", ">=", "<="};
    static constexpr std::string_view kOne = "+-/*%~[](){}><=.:|,;";
    std::string op;
    for (auto two : kTwo) {
      if (src_.compare(pos_, 2, two) == 0) op = two;
    }
    if (op.empty()) {
      if (kOne.find(src_[pos_]) == std::string_view::npos) {
        fail(fmt::format("unexpected char {} at {}", py_str_repr(src_.substr(pos_, 1)), pos_));
      }
      op = src_.substr(pos_, 1);
      const char c = op[0];
      if (c == '(' || c == '[' || c == '{') {
        balance.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
      } else if (c == ')' || c == ']' || c == '}') {
        if (balance.empty()) fail(fmt::format("unexpected '{}'", c));
        if (balance.back() != c) fail(fmt::format("unexpected '{}', expected '{}'", c, balance.back()));
        balance.pop_back();
      }
    }
    emit(TokenType::kOperator, op, line_);
    pos_ += op.size();
  }

  std::string src_;
  size_t pos_ = 0;
  int line_ = 1;
  bool line_starting_ = true;
  std::vector<Token> out_;
};

}  // namespace

std::vector<Token> tokenize_template(std::string_view source) { return Lexer(source).run(); }

}  // namespace hearth::chat

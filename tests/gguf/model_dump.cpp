#include "gguf/model_dump.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace hearth::gguf::testing {
namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(' ');
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& s, const std::string& sep, size_t max_parts) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (parts.size() + 1 < max_parts) {
    const size_t at = s.find(sep, start);
    if (at == std::string::npos) break;
    parts.push_back(s.substr(start, at - start));
    start = at + sep.size();
  }
  parts.push_back(s.substr(start));
  return parts;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Recursive descent over the subset of Python literal syntax gguf_dump prints.
class LiteralParser {
 public:
  explicit LiteralParser(const std::string& s) : s_(s) {}

  std::optional<PyLiteral> parse_all() {
    auto v = parse();
    skip_spaces();
    if (!v || pos_ != s_.size()) return std::nullopt;
    return v;
  }

 private:
  void skip_spaces() {
    while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
  }
  bool eat(const std::string& word) {
    if (s_.compare(pos_, word.size(), word) != 0) return false;
    pos_ += word.size();
    return true;
  }

  std::optional<PyLiteral> parse() {
    skip_spaces();
    if (pos_ >= s_.size()) return std::nullopt;
    const char c = s_[pos_];
    if (c == '[') return parse_list();
    if (c == '\'' || c == '"') return parse_string();
    PyLiteral lit;
    if (eat("True") || eat("False")) {
      lit.kind = PyLiteral::Kind::kBool;
      lit.boolean = s_[pos_ - 1] == 'e' && s_[pos_ - 4] == 'T';
      return lit;
    }
    const size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != ',' && s_[pos_] != ']' && s_[pos_] != ' ') ++pos_;
    if (pos_ == start) return std::nullopt;
    lit.kind = PyLiteral::Kind::kNumber;
    lit.text = s_.substr(start, pos_ - start);
    return lit;
  }

  std::optional<PyLiteral> parse_list() {
    PyLiteral lit;
    lit.kind = PyLiteral::Kind::kList;
    ++pos_;  // '['
    skip_spaces();
    if (eat("]")) return lit;
    while (true) {
      skip_spaces();
      if (eat("...")) {
        lit.list_truncated = true;
      } else {
        auto item = parse();
        if (!item) return std::nullopt;
        lit.items.push_back(std::move(*item));
      }
      skip_spaces();
      if (eat("]")) return lit;
      if (!eat(",")) return std::nullopt;
    }
  }

  std::optional<PyLiteral> parse_string() {
    PyLiteral lit;
    lit.kind = PyLiteral::Kind::kString;
    const char quote = s_[pos_++];
    while (pos_ < s_.size()) {
      const char c = s_[pos_++];
      if (c == quote) return lit;
      if (c != '\\') {
        lit.text += c;
        continue;
      }
      if (pos_ >= s_.size()) return std::nullopt;
      const char e = s_[pos_++];
      switch (e) {
        case 'n': lit.text += '\n'; break;
        case 't': lit.text += '\t'; break;
        case 'r': lit.text += '\r'; break;
        case '\\': case '\'': case '"': lit.text += e; break;
        case 'x': case 'u': case 'U': {
          const size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (pos_ + digits > s_.size()) return std::nullopt;
          const uint32_t cp = static_cast<uint32_t>(
              std::strtoul(s_.substr(pos_, digits).c_str(), nullptr, 16));
          pos_ += digits;
          append_utf8(lit.text, cp);
          break;
        }
        default: return std::nullopt;
      }
    }
    return std::nullopt;
  }

  const std::string& s_;
  size_t pos_ = 0;
};

std::optional<DumpedKey> parse_key_line(const std::string& body) {
  // "UINT32     |        1 | llama.block_count = 2"
  auto parts = split(body, " | ", 3);
  if (parts.size() != 3) return std::nullopt;
  DumpedKey k;
  k.type = trim(parts[0]);
  k.count = std::strtoull(trim(parts[1]).c_str(), nullptr, 10);
  const size_t eq = parts[2].find(" = ");
  if (eq == std::string::npos) {
    k.key = trim(parts[2]);
    return k;
  }
  k.key = parts[2].substr(0, eq);
  k.value = parse_py_literal(parts[2].substr(eq + 3));
  if (!k.value) return std::nullopt;
  return k;
}

std::optional<DumpedTensor> parse_tensor_line(const std::string& body) {
  // "131840 |   256,   515,     1,     1 | Q8_0    | output.weight"
  auto parts = split(body, " | ", 4);
  if (parts.size() != 4) return std::nullopt;
  DumpedTensor t;
  t.n_elements = std::strtoull(trim(parts[0]).c_str(), nullptr, 10);
  for (const auto& d : split(parts[1], ",", 8)) {
    t.ne.push_back(std::strtoull(trim(d).c_str(), nullptr, 10));
  }
  t.type = trim(parts[2]);
  t.name = parts[3];
  return t;
}

}  // namespace

std::optional<PyLiteral> parse_py_literal(const std::string& text) {
  return LiteralParser(text).parse_all();
}

std::variant<ModelDump, std::string> read_model_dump(const std::string& path) {
  std::ifstream in(path);
  if (!in) return "cannot open " + path;
  ModelDump dump;
  bool in_tensors = false;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string where = path + ":" + std::to_string(line_no);
    if (line.rfind("* Dumping ", 0) == 0) {
      in_tensors = line.find("tensor(s)") != std::string::npos;
      if (!in_tensors) dump.n_dumped_keys = std::strtoull(line.c_str() + 10, nullptr, 10);
      continue;
    }
    if (line.empty() || line[0] == '*') continue;
    const size_t colon = line.find(": ");
    if (colon == std::string::npos) return "unexpected line at " + where;
    const std::string body = line.substr(colon + 2);
    if (in_tensors) {
      auto t = parse_tensor_line(body);
      if (!t || t->ne.size() != 4) return "bad tensor line at " + where;
      dump.tensors.push_back(std::move(*t));
    } else {
      auto k = parse_key_line(body);
      if (!k) return "bad key line at " + where;
      dump.keys.push_back(std::move(*k));
    }
  }
  return dump;
}

}  // namespace hearth::gguf::testing

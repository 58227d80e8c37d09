// tokenizer: reading and writing llama.cpp's tokenizer test format.
#include "tokenizer/vocab_test_format.h"

#include <charconv>

namespace hearth {

std::vector<std::string> split_vocab_test_inputs(std::string_view raw) {
  std::vector<std::string> texts;
  size_t pos = 0;
  while (pos < raw.size()) {
    const size_t next = raw.find(kVocabTestSeparator, pos);
    if (next == std::string_view::npos) {
      texts.emplace_back(raw.substr(pos));
      break;
    }
    texts.emplace_back(raw.substr(pos, next - pos));
    pos = next + kVocabTestSeparator.size();
  }
  return texts;
}

std::string format_vocab_test_ids(const std::vector<TokenId>& ids) {
  std::string line;
  for (TokenId id : ids) {
    line += ' ';
    line += std::to_string(id);
  }
  return line;
}

bool parse_vocab_test_ids(std::string_view line, std::vector<TokenId>& ids) {
  ids.clear();
  size_t pos = 0;
  while (pos < line.size()) {
    if (line[pos] == ' ' || line[pos] == '\r') {
      ++pos;
      continue;
    }
    TokenId id = 0;
    const auto [ptr, ec] = std::from_chars(line.data() + pos, line.data() + line.size(), id);
    if (ec != std::errc()) return false;
    ids.push_back(id);
    pos = static_cast<size_t>(ptr - line.data());
  }
  return true;
}

}  // namespace hearth

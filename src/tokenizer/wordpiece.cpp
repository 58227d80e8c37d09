// tokenizer: WordPiece normalisation and greedy longest-match (llama.cpp's llm_tokenizer_wpm).
#include "tokenizer/wordpiece.h"

#include <algorithm>

#include "tokenizer/unicode.h"
#include "tokenizer/utf8.h"

namespace hearth {
namespace {

// The CJK blocks BERT isolates (the 0x2B920 start follows the Hugging Face implementation).
bool is_chinese_char(uint32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

}  // namespace

std::vector<std::string> wordpiece_words(std::string_view text, bool lowercase,
                                         bool strip_accents) {
  using unicode::Category;
  std::vector<std::string> words(1);
  for (uint32_t cpt : utf8::decode(text)) {
    if (strip_accents) cpt = unicode::nfd_first(cpt);
    if (unicode::is_whitespace(cpt)) {
      if (!words.back().empty()) words.emplace_back();
      continue;
    }
    const Category cat = unicode::category(cpt);
    if (cpt == 0 || cpt == utf8::kReplacement || cat == Category::kControl) continue;
    if (strip_accents && cat == Category::kMark) continue;
    const std::string s = utf8::encode(lowercase ? unicode::to_lower(cpt) : cpt);
    if (cat == Category::kPunctuation || (cpt < 0x7F && cat == Category::kSymbol) ||
        is_chinese_char(cpt)) {
      if (!words.back().empty()) words.emplace_back();
      words.back() = s;
      words.emplace_back();
    } else {
      words.back() += s;
    }
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

void wordpiece_encode(const Vocab& vocab, std::string_view text, std::vector<TokenId>& out) {
  for (const std::string& word : wordpiece_words(text, vocab.wpm_lowercase,
                                                 vocab.wpm_strip_accents)) {
    if (word.empty()) continue;
    const std::string marked = "\xE2\x96\x81" + word;  // word start, as the vocabulary has it
    const size_t n = marked.size();
    const size_t first = out.size();
    for (size_t i = 0; i < n; ++i) {
      bool matched = false;
      // Longest match first; lengths are in bytes, as the reference counts them.
      for (size_t j = std::min(n, i + vocab.max_token_len + 1); j > i; --j) {
        const TokenId id = vocab.find(std::string_view(marked).substr(i, j - i));
        if (id != kNoToken) {
          out.push_back(id);
          matched = true;
          i = j - 1;
          break;
        }
      }
      if (!matched) {  // the word cannot be spelt: drop what was matched of it
        out.resize(first);
        break;
      }
    }
    if (out.size() == first && vocab.unk != kNoToken) out.push_back(vocab.unk);
  }
}

}  // namespace hearth

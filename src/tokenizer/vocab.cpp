// tokenizer: Vocab lookups (token text -> id, merge ranks, byte tokens).
#include "tokenizer/vocab.h"

#include <fmt/format.h>

#include "tokenizer/byte_unicode.h"

namespace hearth {

TokenId Vocab::find(std::string_view text) const {
  return token_index_.find(text);
}

int32_t Vocab::merge_rank(std::string_view left, std::string_view right) const {
  std::string key;
  key.reserve(left.size() + 1 + right.size());
  key.append(left);
  key.push_back(' ');
  key.append(right);
  const int32_t entry = merge_index_.find(key);
  return entry < 0 ? -1 : merge_rank_[static_cast<size_t>(entry)];
}

TokenId Vocab::byte_token(uint8_t byte) const {
  const bool hex_form = type == VocabType::kSpm || (type == VocabType::kBpe && !byte_encode);
  if (!hex_form) return find(byte_to_unicode(byte));
  const TokenId id = find(fmt::format("<0x{:02X}>", byte));
  if (id != kNoToken || type != VocabType::kSpm) return id;
  // SentencePiece vocabularies without <0xXX> entries may hold the raw byte itself.
  const char raw = static_cast<char>(byte);
  return find(std::string_view(&raw, 1));
}

Status Vocab::index_tokens() {
  token_index_.clear();
  token_index_.reserve(tokens.size());
  max_token_len = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& text = tokens[i].text;
    const int32_t previous = token_index_.add(text);
    if (previous >= 0) {
      return Status::errorf(
          "tokenizer.ggml.tokens: token {} has the same text as token {} ('{}'); a vocabulary "
          "needs unique entries (corrupt or hand-edited file?)",
          i, previous, text);
    }
    max_token_len = std::max(max_token_len, text.size());
  }
  return Status::ok();
}

void Vocab::set_merges(std::vector<std::string> merges) {
  merges_ = std::move(merges);
  merge_index_.clear();
  merge_rank_.clear();
  merge_index_.reserve(merges_.size());
  merge_rank_.reserve(merges_.size());
  for (size_t rank = 0; rank < merges_.size(); ++rank) {
    const std::string& m = merges_[rank];
    // llama.cpp splits at the first space after the first byte; a merge without one can
    // never match, and looking up "left right" finds exactly the merges whose split is
    // (left, right) since tokens looked up never contain spaces.
    if (m.find(' ', 1) == std::string::npos) continue;
    if (merge_index_.add(m) < 0) merge_rank_.push_back(static_cast<int32_t>(rank));
  }
}

}  // namespace hearth

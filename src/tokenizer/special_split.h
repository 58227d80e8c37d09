// tokenizer: splits special-token text out of the input before the model's encoder runs.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace hearth {

// A run of plain text (token == kNoToken) or one special token.
struct Fragment {
  TokenId token = kNoToken;
  size_t offset = 0;  // text fragments: bytes [offset, offset + length) of the input
  size_t length = 0;
  bool is_text() const { return token == kNoToken; }
};

// Finds which special tokens occur in a text in one pass (a byte trie of their texts), so
// that partitioning does not search the text once per special token (gemma3 has 6400).
class SpecialTokenMatcher {
 public:
  explicit SpecialTokenMatcher(const Vocab& vocab);
  // Marks present[i] for every vocab.special_tokens[i] whose text occurs in `text`.
  void find_present(std::string_view text, std::vector<bool>& present) const;

 private:
  struct Node {
    int32_t first_child = -1;
    int32_t next_sibling = -1;
    int32_t special_index = -1;  // index into vocab.special_tokens ending here, or -1
    uint8_t byte = 0;
  };
  int32_t child(int32_t node, uint8_t byte) const;
  std::vector<Node> nodes_;  // nodes_[0] is the root
};

// llama.cpp's partitioning: special tokens are taken longest first; each splits every text
// fragment at all its occurrences, eating white space on the side its lstrip/rstrip
// attribute names. Without parse_special only user-defined tokens are split out (control and
// unknown tokens stay plain text).
// `matcher` (built over the same vocabulary) is an optional speed-up.
std::vector<Fragment> split_special_tokens(const Vocab& vocab, std::string_view text,
                                           bool parse_special,
                                           const SpecialTokenMatcher* matcher = nullptr);

}  // namespace hearth

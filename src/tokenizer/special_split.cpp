// tokenizer: special-token partitioning (see special_split.h).
#include "tokenizer/special_split.h"

#include <cctype>

namespace hearth {
namespace {

bool is_c_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// Splits one text fragment at every occurrence of `token`, appending the pieces to `out`.
void split_fragment(const Vocab& vocab, std::string_view text, TokenId token, Fragment frag,
                    std::vector<Fragment>& out) {
  const std::string& needle = vocab.text(token);
  const uint32_t attr = vocab.attr(token);
  size_t base = frag.offset;
  size_t length = frag.length;
  while (true) {
    const size_t match = text.substr(0, base + length).find(needle, base);
    if (match == std::string_view::npos) {
      if (length > 0) out.push_back({kNoToken, base, length});
      return;
    }
    size_t left_length = match - base;
    if (attr & kAttrLstrip) {
      while (left_length > 0 && is_c_space(text[base + left_length - 1])) --left_length;
    }
    if (left_length > 0) out.push_back({kNoToken, base, left_length});
    out.push_back({token, 0, 0});

    size_t right = match + needle.size();
    size_t right_length = base + length - right;
    if (right_length == 0) return;
    if (attr & kAttrRstrip) {
      while (right_length > 0 && is_c_space(text[right])) {
        ++right;
        --right_length;
      }
    }
    base = right;
    length = right_length;
  }
}

}  // namespace

SpecialTokenMatcher::SpecialTokenMatcher(const Vocab& vocab) {
  nodes_.emplace_back();
  for (size_t i = 0; i < vocab.special_tokens.size(); ++i) {
    int32_t node = 0;
    for (char c : vocab.text(vocab.special_tokens[i])) {
      const auto byte = static_cast<uint8_t>(c);
      int32_t next = child(node, byte);
      if (next < 0) {
        next = static_cast<int32_t>(nodes_.size());
        Node n;
        n.byte = byte;
        n.next_sibling = nodes_[static_cast<size_t>(node)].first_child;
        nodes_.push_back(n);
        nodes_[static_cast<size_t>(node)].first_child = next;
      }
      node = next;
    }
    nodes_[static_cast<size_t>(node)].special_index = static_cast<int32_t>(i);
  }
}

int32_t SpecialTokenMatcher::child(int32_t node, uint8_t byte) const {
  for (int32_t c = nodes_[static_cast<size_t>(node)].first_child; c >= 0;
       c = nodes_[static_cast<size_t>(c)].next_sibling) {
    if (nodes_[static_cast<size_t>(c)].byte == byte) return c;
  }
  return -1;
}

void SpecialTokenMatcher::find_present(std::string_view text, std::vector<bool>& present) const {
  for (size_t start = 0; start < text.size(); ++start) {
    int32_t node = 0;
    for (size_t i = start; i < text.size(); ++i) {
      node = child(node, static_cast<uint8_t>(text[i]));
      if (node < 0) break;
      const int32_t special = nodes_[static_cast<size_t>(node)].special_index;
      if (special >= 0) present[static_cast<size_t>(special)] = true;
    }
  }
}

std::vector<Fragment> split_special_tokens(const Vocab& vocab, std::string_view text,
                                           bool parse_special,
                                           const SpecialTokenMatcher* matcher) {
  std::vector<Fragment> fragments;
  if (text.empty()) return fragments;
  fragments.push_back({kNoToken, 0, text.size()});
  // Fragments are substrings of `text`: a token absent from it cannot split any of them.
  std::vector<bool> present;
  if (matcher != nullptr) {
    present.assign(vocab.special_tokens.size(), false);
    matcher->find_present(text, present);
  }
  std::vector<Fragment> next;
  for (size_t k = 0; k < vocab.special_tokens.size(); ++k) {
    const TokenId token = vocab.special_tokens[k];
    if (!parse_special && (vocab.attr(token) & (kAttrControl | kAttrUnknown))) continue;
    if (matcher != nullptr ? !present[k]
                           : text.find(vocab.text(token)) == std::string_view::npos) {
      continue;
    }
    next.clear();
    for (const Fragment& f : fragments) {
      if (f.is_text()) {
        split_fragment(vocab, text, token, f, next);
      } else {
        next.push_back(f);
      }
    }
    fragments.swap(next);
  }
  return fragments;
}

}  // namespace hearth

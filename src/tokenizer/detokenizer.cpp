// tokenizer: StreamingDetokenizer, which holds back an incomplete UTF-8 character until the
// token that completes it arrives.
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace hearth {

std::string StreamingDetokenizer::push(TokenId id) {
  std::string piece = tok_.token_to_piece(id, options_.render_special);
  if (first_ && options_.strip_leading_space && tok_.adds_space_prefix() && !piece.empty() &&
      piece[0] == ' ') {
    piece.erase(0, 1);
  }
  first_ = false;
  pending_ += piece;
  const size_t ready = utf8::complete_prefix_length(pending_);
  std::string out = pending_.substr(0, ready);
  pending_.erase(0, ready);
  return out;
}

std::string StreamingDetokenizer::flush() {
  std::string out;
  out.swap(pending_);
  return out;
}

}  // namespace hearth

// tokenizer: byte-level BPE ("gpt2" vocabularies): pre-tokenize, map bytes to printable
// characters, then merge adjacent pairs by merge rank within each piece.
#pragma once

#include <string_view>
#include <vector>

#include "tokenizer/pretokenize.h"
#include "tokenizer/vocab.h"

namespace hearth {

class BpeEncoder {
 public:
  // Both must outlive the encoder.
  BpeEncoder(const Vocab& vocab, const PreTokenizer& pre) : vocab_(vocab), pre_(pre) {}

  // Encodes plain text (no special tokens; spaces already escaped where the vocabulary
  // wants U+2581) and appends the ids to `out`.
  void encode(std::string_view text, std::vector<TokenId>& out) const;

 private:
  void encode_piece(std::string_view piece, std::vector<TokenId>& out) const;
  void emit_symbol(std::string_view symbol, std::vector<TokenId>& out) const;

  const Vocab& vocab_;
  const PreTokenizer& pre_;
};

}  // namespace hearth

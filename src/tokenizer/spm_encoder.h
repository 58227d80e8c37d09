// tokenizer: SentencePiece-style BPE ("llama" vocabularies): merge the adjacent pair whose
// merged text is the highest-scoring token, repeatedly; bytes of leftovers become <0xXX>.
#pragma once

#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace hearth {

// Encodes `text` (spaces already escaped to U+2581, prefix space already added) and appends
// the ids to `out`.
void spm_encode(const Vocab& vocab, std::string_view text, std::vector<TokenId>& out);

}  // namespace hearth

// tokenizer: WordPiece ("bert" vocabularies): BERT normalisation, then the longest vocabulary
// match from the left inside each word ("##" continuations are stored without the "##", word
// starts with a leading U+2581, as llama.cpp's converter writes them).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace hearth {

// Splits text into words the BERT way: white space separates, punctuation, ASCII symbols
// and CJK ideographs become words of their own; control characters are dropped; optional
// lowercasing and accent stripping.
std::vector<std::string> wordpiece_words(std::string_view text, bool lowercase,
                                         bool strip_accents);

// Encodes plain text and appends the ids to `out` (one <unk> for a word with no full match).
void wordpiece_encode(const Vocab& vocab, std::string_view text, std::vector<TokenId>& out);

}  // namespace hearth

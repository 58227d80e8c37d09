// tokenizer: llama.cpp's tokenizer test files: VOCAB.gguf.inp (texts, each followed by the
// line "__ggml_vocab_test__") and VOCAB.gguf.out (one line of ids per text).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace hearth {

inline constexpr std::string_view kVocabTestSeparator = "\n__ggml_vocab_test__\n";

// The texts of an .inp file, split as llama.cpp's test-tokenizer-0 splits them: at every
// separator; text after the last separator, if any, is one more text.
std::vector<std::string> split_vocab_test_inputs(std::string_view raw);

// One .out line (without the newline): every id preceded by a space, "" for no ids.
std::string format_vocab_test_ids(const std::vector<TokenId>& ids);

// Parses one .out line into `ids`; false when it holds something other than integers.
bool parse_vocab_test_ids(std::string_view line, std::vector<TokenId>& ids);

}  // namespace hearth

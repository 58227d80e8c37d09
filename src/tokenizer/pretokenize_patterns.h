// tokenizer: the table behind PreTokenizer: the split steps each tokenizer.ggml.pre name
// stands for (internal to the tokenizer module).
#pragma once

#include <span>
#include <string_view>
#include <vector>


namespace hearth::pretok {

// One pass over the pieces made so far.
struct SplitStep {
  enum class Kind {
    kRegex,        // `pattern` splits each piece; text it does not match stays a piece
    kDigitGroups,  // llama.cpp's AFMoE digit splitter (not a regex; see pretokenize.cpp)
    kCutThousands,  // the cuts of (?=(\d{3})+(?!\d)), found in linear time
  };
  Kind kind = Kind::kRegex;
  std::string_view pattern;  // PCRE2 syntax, compiled with PCRE2_UTF (see pretokenize.cpp)
};

struct PreTokenizerSpec {
  std::string_view name;    // a tokenizer.ggml.pre value
  std::span<const SplitStep> steps;
};

// nullptr when `name` is not a known tokenizer.ggml.pre value.
const PreTokenizerSpec* find_spec(std::string_view name);

std::vector<std::string_view> spec_names();  // sorted

}  // namespace hearth::pretok

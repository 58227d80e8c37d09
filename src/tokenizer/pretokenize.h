// tokenizer: pre-tokenizers of byte-level BPE vocabularies (the regex lists that
// tokenizer.ggml.pre names), run with PCRE2 (Unicode properties, JIT).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace hearth {

class PreTokenizer {
 public:
  // `pre_name` is tokenizer.ggml.pre ("llama-bpe", "qwen2", "gpt-2", "default", ...).
  // Unknown names are an error that lists the supported ones. An empty name means "default"
  // (llama.cpp's fallback for files without the key).
  static Result<std::unique_ptr<PreTokenizer>> create(std::string_view pre_name);
  virtual ~PreTokenizer() = default;

  // Splits UTF-8 text into pieces whose concatenation is exactly `text`; each piece is then
  // byte-level BPE-encoded on its own. Applies the named regexes in order, each splitting the
  // pieces the previous produced. Never fails: bytes that are not UTF-8 are classified as
  // U+FFFD (as llama.cpp does) but stay unchanged in the pieces.
  virtual std::vector<std::string_view> split(std::string_view text) const = 0;

  // Every name create() accepts, sorted.
  static std::vector<std::string_view> supported_names();
};

}  // namespace hearth

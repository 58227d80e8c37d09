// tokenizer: text <-> token ids for the vocabularies GGUF files carry (SPM, BPE, WordPiece).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_file.h"

namespace hearth {

using TokenId = int32_t;

class Tokenizer {
 public:
  // Reads tokenizer.ggml.* from the file; errors name the missing or malformed key.
  static Result<std::unique_ptr<Tokenizer>> from_gguf(const gguf::GgufFile& file);
  virtual ~Tokenizer() = default;

  // add_special: BOS/EOS (or CLS/SEP) as the metadata says; parse_special: special-token text
  // in `text` becomes the special token instead of being tokenised as plain text.
  virtual std::vector<TokenId> encode(std::string_view text, bool add_special,
                                      bool parse_special) const = 0;
  // The bytes a token stands for in a decoded text (may be part of a UTF-8 character).
  virtual std::string token_to_bytes(TokenId id) const = 0;

  virtual int32_t n_vocab() const = 0;
  virtual TokenId bos() const = 0;   // -1 when none
  virtual TokenId eos() const = 0;   // -1 when none
  virtual bool is_end_of_generation(TokenId id) const = 0;  // eos, eot, im_end, ...
  virtual bool is_control(TokenId id) const = 0;            // control tokens decode to ""
  virtual const std::string& token_text(TokenId id) const = 0;  // raw vocab entry
};

// Turns a stream of token ids into text, emitting only complete UTF-8 characters.
class StreamingDetokenizer {
 public:
  explicit StreamingDetokenizer(const Tokenizer& tok) : tok_(tok) {}
  std::string push(TokenId id);  // newly completed text (possibly empty)
  std::string flush();           // whatever is pending at the end (invalid bytes as U+FFFD)

 private:
  const Tokenizer& tok_;
  std::string pending_;
  bool first_ = true;
};

}  // namespace hearth

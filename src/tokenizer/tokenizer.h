// tokenizer: text <-> token ids for the vocabularies GGUF files carry (SPM, BPE, WordPiece).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
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
  // (User-defined tokens, e.g. Qwen's <think>, are split out even without parse_special, as
  // llama.cpp and Hugging Face do.)
  virtual std::vector<TokenId> encode(std::string_view text, bool add_special,
                                      bool parse_special) const = 0;
  // The bytes a token stands for in a decoded text (may be part of a UTF-8 character).
  // Control and unknown tokens give "", as llama.cpp's token_to_piece(special=false).
  virtual std::string token_to_bytes(TokenId id) const = 0;

  virtual int32_t n_vocab() const = 0;
  virtual TokenId bos() const = 0;   // -1 when none
  virtual TokenId eos() const = 0;   // -1 when none
  virtual bool is_end_of_generation(TokenId id) const = 0;  // eos, eot, im_end, ...
  virtual bool is_control(TokenId id) const = 0;            // control tokens decode to ""
  virtual const std::string& token_text(TokenId id) const = 0;  // raw vocab entry

  // Added by the tokenizer module (defaults keep other implementations, e.g. test fakes,
  // compiling).

  // token_to_bytes, except that with render_special control and unknown tokens give their
  // text ("<|im_end|>"), as llama.cpp's token_to_piece(special=true).
  virtual std::string token_to_piece(TokenId id, bool render_special) const {
    return render_special && is_control(id) ? token_text(id) : token_to_bytes(id);
  }
  // The whole text of `ids`, as llama_detokenize: remove_special drops a leading BOS and a
  // trailing EOS the vocabulary adds, the leading space SentencePiece adds is removed, and
  // vocabularies that ask for it get clean_up_tokenization_spaces (" ," -> ",").
  virtual std::string decode(std::span<const TokenId> ids, bool remove_special,
                             bool render_special) const;
  // The id whose vocabulary entry is exactly `text`, -1 when none.
  virtual TokenId find_token(std::string_view text) const { return -1; }
  // Whether encoding prepends a space (SentencePiece "add_space_prefix"), so decoding the
  // start of a text should drop one.
  virtual bool adds_space_prefix() const { return false; }
};

struct StreamingDetokenizerOptions {
  // Control tokens as their text ("<|im_end|>") instead of "".
  bool render_special = false;
  // Drop the space a SentencePiece vocabulary with add_space_prefix puts before the first
  // word, when it is the first token pushed (llama_detokenize does the same; after a BOS
  // there is nothing to drop). Set false when the stream continues earlier text, e.g. the
  // tokens generated after a prompt.
  bool strip_leading_space = true;
};

// Turns a stream of token ids into text, emitting only complete UTF-8 characters. The
// concatenation of everything push() and flush() return is exactly the tokens' bytes.
class StreamingDetokenizer {
 public:
  explicit StreamingDetokenizer(const Tokenizer& tok) : tok_(tok) {}
  StreamingDetokenizer(const Tokenizer& tok, StreamingDetokenizerOptions options)
      : tok_(tok), options_(options) {}
  std::string push(TokenId id);  // newly completed text (possibly empty)
  // Whatever is pending at the end: an incomplete UTF-8 sequence comes out as its raw bytes
  // (as llama.cpp returns them; a caller that needs valid UTF-8 substitutes U+FFFD).
  std::string flush();

 private:
  const Tokenizer& tok_;
  StreamingDetokenizerOptions options_;
  std::string pending_;
  bool first_ = true;
};

}  // namespace hearth

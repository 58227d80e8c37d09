// tokenizer: the encoder/decoder flags llama.cpp ties to each tokenizer.ggml.pre name of a
// BPE vocabulary (the regexes themselves live behind PreTokenizer).
#pragma once

#include <optional>
#include <string_view>

namespace hearth {

struct BpePreSettings {
  bool clean_spaces = true;         // detokenize: clean_up_tokenization_spaces
  bool ignore_merges = false;       // a piece that is already a token is not merged
  bool add_bos = false;             // default for add_bos when the key is absent
  bool add_sep = false;
  bool escape_whitespaces = false;  // spaces -> U+2581 (SentencePiece-style BPE)
  bool byte_encode = true;          // GPT-2 byte->unicode mapping
  bool force_add_bos = false;       // add_bos even when the file says false (gemma4)
  bool no_default_bos = false;      // the BOS default (id 11) is dropped (chatglm)
};

// nullopt for a name llama.cpp does not know.
std::optional<BpePreSettings> bpe_pre_settings(std::string_view pre);

}  // namespace hearth

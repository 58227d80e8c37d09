// model/synth: small working vocabularies for random-weight models (`hearth synth`): a
// byte-level BPE one (tokenizer.ggml.model "gpt2") and a WordPiece one ("bert").
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_value.h"

namespace hearth::synth {

// GGUF token types (tokenizer.ggml.token_type).
inline constexpr int32_t kTokenNormal = 1;
inline constexpr int32_t kTokenControl = 3;

struct SynthVocab {
  std::string model;  // tokenizer.ggml.model
  std::string pre;    // tokenizer.ggml.pre
  std::vector<std::string> tokens;
  std::vector<int32_t> token_types;
  std::vector<std::string> merges;  // BPE only: "left right", in priority order
  // Tokens a random model should rarely print: control tokens and bytes that are not ASCII text
  // (alone they are invalid UTF-8). Synth scales their output rows down so that top-k sampling
  // passes them over and the gibberish stays readable.
  std::vector<bool> quiet;
  int32_t n_real = 0;          // tokens before the filler that pads the vocabulary to its size
  int32_t bos = -1, eos = -1;  // BPE: <|bos|>, <|eos|>; WordPiece: [CLS], [SEP]
  int32_t unk = -1, pad = -1, mask = -1;  // WordPiece only
};

// 256 byte tokens (GPT-2's byte-to-unicode alphabet), merges learnt from a built-in English
// text, <|bos|> and <|eos|>; n_vocab = 0 gives the natural size (512). Larger sizes are padded
// with filler tokens: pseudo-words no merge produces (so encoding never yields them), readable
// when a random model samples them.
Result<SynthVocab> make_bpe_vocab(int32_t n_vocab);

// llama.cpp's WordPiece layout: [PAD] [UNK] [CLS] [SEP] [MASK], then word-initial pieces
// ("▁the"), continuation pieces ("ing") and single characters of both kinds; n_vocab = 0 gives
// the natural size (512), larger sizes are padded with word-initial pseudo-words.
Result<SynthVocab> make_wordpiece_vocab(int32_t n_vocab);

// The tokenizer.ggml.* keys describing `vocab`, in the order llama.cpp's converter writes them.
std::vector<std::pair<std::string, gguf::Value>> vocab_metadata(const SynthVocab& vocab);

}  // namespace hearth::synth

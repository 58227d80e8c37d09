// tokenizer: a vocabulary read from the GGUF tokenizer.ggml.* keys, with the defaults and
// special-token fix-ups llama.cpp applies (so that ids match the reference exactly).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_file.h"
#include "tokenizer/string_index.h"

namespace hearth {

using TokenId = int32_t;
inline constexpr TokenId kNoToken = -1;

// tokenizer.ggml.model: "llama" = SentencePiece BPE, "gpt2" = byte-level BPE (also
// "gemma4": BPE on raw UTF-8 with U+2581 for spaces), "bert" = WordPiece.
enum class VocabType { kSpm, kBpe, kWpm };

// Per-token attribute bits (llama.cpp's llama_token_attr values).
enum TokenAttr : uint32_t {
  kAttrUndefined = 0,
  kAttrUnknown = 1u << 0,
  kAttrUnused = 1u << 1,
  kAttrNormal = 1u << 2,
  kAttrControl = 1u << 3,
  kAttrUserDefined = 1u << 4,
  kAttrByte = 1u << 5,
  kAttrNormalized = 1u << 6,
  kAttrLstrip = 1u << 7,  // eat white space before the token when splitting specials out
  kAttrRstrip = 1u << 8,  // eat white space after it
  kAttrSingleWord = 1u << 9,
};

struct TokenData {
  std::string text;
  float score = 0.0f;
  uint32_t attr = kAttrNormal;
};

// Plain data plus the two lookups every encoder needs. Built once by from_gguf and then
// read-only (safe to share between threads). Not copyable: the text index points into
// `tokens`.
struct Vocab {
  static Result<std::unique_ptr<Vocab>> from_gguf(const gguf::GgufFile& file);

  Vocab() = default;
  Vocab(const Vocab&) = delete;
  Vocab& operator=(const Vocab&) = delete;

  VocabType type = VocabType::kSpm;
  std::string model;  // tokenizer.ggml.model as stored
  std::string pre;    // tokenizer.ggml.pre ("default" when absent); BPE only
  std::vector<TokenData> tokens;

  // Special tokens (kNoToken when the vocabulary has none).
  TokenId bos = kNoToken, eos = kNoToken, eot = kNoToken, eom = kNoToken, unk = kNoToken,
          sep = kNoToken, pad = kNoToken, mask = kNoToken;
  TokenId fim_pre = kNoToken, fim_suf = kNoToken, fim_mid = kNoToken, fim_pad = kNoToken,
          fim_rep = kNoToken, fim_sep = kNoToken;

  bool add_bos = false;
  bool add_eos = false;
  bool add_sep = false;
  bool add_space_prefix = false;       // SPM: prepend " " to text at the start / after specials
  bool remove_extra_whitespaces = false;
  bool escape_whitespaces = true;      // spaces become U+2581 before encoding (SPM, gemma4)
  bool clean_spaces = false;           // detokenize: clean_up_tokenization_spaces
  bool ignore_merges = false;          // BPE: a piece that is a whole token skips merging
  bool byte_encode = true;             // BPE: GPT-2 byte->unicode mapping of pieces
  bool wpm_lowercase = true;           // WordPiece normaliser
  bool wpm_strip_accents = true;

  size_t max_token_len = 0;             // longest token text in bytes
  std::vector<TokenId> special_tokens;  // control/user-defined/unknown, longest text first
  std::unordered_set<TokenId> eog_ids;  // tokens that end generation

  int32_t n_tokens() const { return static_cast<int32_t>(tokens.size()); }
  bool valid(TokenId id) const { return id >= 0 && id < n_tokens(); }
  uint32_t attr(TokenId id) const { return tokens[static_cast<size_t>(id)].attr; }
  const std::string& text(TokenId id) const { return tokens[static_cast<size_t>(id)].text; }

  TokenId find(std::string_view text) const;  // kNoToken when `text` is no token
  // Rank of the merge "left right" (lower merges first), -1 when there is none.
  int32_t merge_rank(std::string_view left, std::string_view right) const;
  // The token for one raw byte: <0xXX> (SPM, gemma4) or the GPT-2 mapped character (BPE).
  TokenId byte_token(uint8_t byte) const;

  // Builders used while loading.
  Status index_tokens();  // (re)builds the text -> id index; duplicate texts are an error
  // The merges in rank order, each "left right"; a repeated merge keeps its first rank.
  void set_merges(std::vector<std::string> merges);

 private:
  StringIndex token_index_;  // entry number = token id; keys view tokens[i].text
  std::vector<std::string> merges_;  // never resized after set_merges: the index views it
  StringIndex merge_index_;
  std::vector<int32_t> merge_rank_;  // by merge_index_ entry
};

// Applies llama.cpp's text-based special-token rules: finds EOT/EOM/FIM tokens by their
// text, marks "unused" control tokens, builds the end-of-generation set and the list of
// special tokens, and sets per-model strip attributes. `general_name` and `architecture`
// come from general.name / general.architecture.
void apply_special_token_rules(Vocab& vocab, std::string_view general_name,
                               std::string_view architecture);

}  // namespace hearth

// tokenizer: Vocab::from_gguf, reading tokenizer.ggml.* with llama.cpp's per-model defaults.
#include <algorithm>
#include <string>

#include "base/log.h"
#include "tokenizer/bpe_pre_settings.h"
#include "tokenizer/vocab.h"

namespace hearth {
namespace {

using gguf::Array;
using gguf::GgufFile;
using gguf::Value;
using gguf::ValueType;

constexpr std::string_view kModelKey = "tokenizer.ggml.model";
constexpr std::string_view kPreKey = "tokenizer.ggml.pre";
constexpr std::string_view kTokensKey = "tokenizer.ggml.tokens";
constexpr std::string_view kScoresKey = "tokenizer.ggml.scores";
constexpr std::string_view kTypesKey = "tokenizer.ggml.token_type";
constexpr std::string_view kMergesKey = "tokenizer.ggml.merges";

// Sets the type and the defaults llama.cpp uses for it before any key overrides them.
Status set_model_type(const GgufFile& file, Vocab& v) {
  if (file.find(kModelKey) == nullptr) {
    return Status::errorf("{} is missing: the file carries no tokenizer", kModelKey);
  }
  HEARTH_ASSIGN_OR_RETURN(v.model, file.get_string(kModelKey));
  HEARTH_ASSIGN_OR_RETURN(v.pre, file.get_string_or(kPreKey, ""));
  const std::string& m = v.model;
  if (m == "none" || m == "no_vocab") {
    return Status::errorf("{} is '{}': the model has no vocabulary to tokenize with", kModelKey,
                          m);
  }
  if (m == "llama") {
    v.type = VocabType::kSpm;
    v.bos = 1;
    v.eos = 2;
    v.unk = 0;
    v.add_space_prefix = true;
    v.add_bos = true;
  } else if (m == "bert") {
    v.type = VocabType::kWpm;
    v.bos = 101;
    v.unk = 100;
    v.sep = 102;
    v.pad = 0;
    v.mask = 103;
    v.add_bos = true;
    v.add_sep = true;
    v.clean_spaces = true;
  } else if (m == "gpt2" || m == "gemma4") {
    v.type = VocabType::kBpe;
    if (m == "gpt2") {
      v.bos = 11;
      v.eos = 11;
    } else {
      v.pre = "gemma4";  // llama.cpp ignores tokenizer.ggml.pre for this model type
    }
    v.escape_whitespaces = false;
    v.clean_spaces = true;
    if (v.pre.empty()) {
      HEARTH_LOG_WARN("{} is missing in a BPE vocabulary; using 'default' (quality may suffer)",
                      kPreKey);
      v.pre = "default";
    }
    const auto settings = bpe_pre_settings(v.pre);
    if (!settings) {
      return Status::errorf("{} is '{}', a pre-tokenizer hearth does not know", kPreKey, v.pre);
    }
    v.clean_spaces = settings->clean_spaces;
    v.ignore_merges = settings->ignore_merges;
    v.add_bos = settings->add_bos;
    v.add_sep = settings->add_sep;
    v.escape_whitespaces = settings->escape_whitespaces;
    v.byte_encode = settings->byte_encode;
    if (settings->no_default_bos) v.bos = kNoToken;
  } else {
    return Status::errorf("{} is '{}'; hearth reads 'llama' (SentencePiece), 'gpt2' "
                          "(byte-level BPE), 'gemma4' and 'bert' (WordPiece)",
                          kModelKey, m);
  }
  HEARTH_ASSIGN_OR_RETURN(v.add_space_prefix,
                          file.get_bool_or("tokenizer.ggml.add_space_prefix", v.add_space_prefix));
  HEARTH_ASSIGN_OR_RETURN(v.remove_extra_whitespaces,
                          file.get_bool_or("tokenizer.ggml.remove_extra_whitespaces",
                                           v.remove_extra_whitespaces));
  return Status::ok();
}

Result<const Array*> typed_array(const GgufFile& file, std::string_view key,
                                 std::initializer_list<ValueType> allowed) {
  HEARTH_ASSIGN_OR_RETURN(const Array* arr, file.get_array(key));
  for (ValueType t : allowed) {
    if (arr->elem_type == t) return arr;
  }
  return Status::errorf("{} is an array of {}, expected {}", key,
                        gguf::value_type_name(arr->elem_type),
                        gguf::value_type_name(*allowed.begin()));
}

uint32_t attr_of_token_type(int64_t token_type) {
  switch (token_type) {
    case 1: return kAttrNormal;
    case 2: return kAttrUnknown;
    case 3: return kAttrControl;
    case 4: return kAttrUserDefined;
    case 5: return kAttrUnused;
    case 6: return kAttrByte;
    default: return kAttrUndefined;  // 0 = undefined, and anything unexpected
  }
}

Status read_tokens(const GgufFile& file, Vocab& v) {
  if (file.find(kTokensKey) == nullptr) {
    return Status::errorf("{} is missing: the file has no vocabulary", kTokensKey);
  }
  HEARTH_ASSIGN_OR_RETURN(const Array* texts, typed_array(file, kTokensKey, {ValueType::STRING}));
  const size_t n = texts->items.size();
  if (n == 0 || n > static_cast<size_t>(INT32_MAX)) {
    return Status::errorf("{} holds {} tokens; expected between 1 and 2^31-1", kTokensKey, n);
  }
  const Array* scores = nullptr;
  if (file.find(kScoresKey) != nullptr) {
    HEARTH_ASSIGN_OR_RETURN(scores, typed_array(file, kScoresKey,
                                                {ValueType::FLOAT32, ValueType::INT32}));
    if (scores->items.size() < n) {
      return Status::errorf("{} has {} entries for {} tokens", kScoresKey, scores->items.size(),
                            n);
    }
  }
  const Array* types = nullptr;
  if (file.find(kTypesKey) != nullptr) {
    HEARTH_ASSIGN_OR_RETURN(types, typed_array(file, kTypesKey, {ValueType::INT32}));
    if (types->items.size() < n) {
      return Status::errorf("{} has {} entries for {} tokens", kTypesKey, types->items.size(), n);
    }
  }
  v.tokens.resize(n);
  for (size_t i = 0; i < n; ++i) {
    TokenData& t = v.tokens[i];
    t.text = *texts->items[i].as_string();
    if (t.text.empty()) t.text = "[EMPTY_" + std::to_string(i) + "]";  // as llama.cpp names it
    if (scores != nullptr) t.score = static_cast<float>(scores->items[i].as_float().value_or(0));
    if (types != nullptr) t.attr = attr_of_token_type(types->items[i].as_int().value_or(0));
  }
  return v.index_tokens();
}

Status read_merges(const GgufFile& file, Vocab& v) {
  if (file.find(kMergesKey) == nullptr) {
    if (v.pre == "kimi-k2") return Status::ok();  // merges-free BPE
    return Status::errorf("{} is missing: a BPE vocabulary needs its merges", kMergesKey);
  }
  HEARTH_ASSIGN_OR_RETURN(const Array* merges, typed_array(file, kMergesKey, {ValueType::STRING}));
  std::vector<std::string> texts;
  texts.reserve(merges->items.size());
  for (const Value& m : merges->items) texts.push_back(*m.as_string());
  v.set_merges(std::move(texts));
  return Status::ok();
}

// A default id outside the vocabulary is dropped; a stored id outside it is ignored (with a
// warning) in favour of the default, as llama.cpp does.
Status read_special_id(const GgufFile& file, std::string_view key, Vocab& v, TokenId& id) {
  if (id != kNoToken && !v.valid(id)) id = kNoToken;
  const Value* value = file.find(key);
  if (value == nullptr) return Status::ok();
  const auto as_uint = value->as_uint();
  if (!as_uint) {
    if (value->as_int()) {  // negative: "no such token" in some converters
      HEARTH_LOG_WARN("{} = {} is negative; keeping {}", key, *value->as_int(), id);
      return Status::ok();
    }
    return Status::errorf("{} has type {}, expected an unsigned integer token id", key,
                          gguf::value_type_name(value->type()));
  }
  if (*as_uint >= static_cast<uint64_t>(v.n_tokens())) {
    HEARTH_LOG_WARN("{} = {} is outside the vocabulary of {} tokens; keeping {}", key, *as_uint,
                    v.n_tokens(), id);
    return Status::ok();
  }
  id = static_cast<TokenId>(*as_uint);
  return Status::ok();
}

Status read_special_ids(const GgufFile& file, Vocab& v) {
  const std::pair<std::string_view, TokenId*> keys[] = {
      {"tokenizer.ggml.bos_token_id", &v.bos},
      {"tokenizer.ggml.eos_token_id", &v.eos},
      {"tokenizer.ggml.eot_token_id", &v.eot},
      {"tokenizer.ggml.eom_token_id", &v.eom},
      {"tokenizer.ggml.unknown_token_id", &v.unk},
      {"tokenizer.ggml.seperator_token_id", &v.sep},  // sic: the GGUF key is misspelt
      {"tokenizer.ggml.padding_token_id", &v.pad},
      {"tokenizer.ggml.mask_token_id", &v.mask},
      {"tokenizer.ggml.fim_pre_token_id", &v.fim_pre},
      {"tokenizer.ggml.fim_suf_token_id", &v.fim_suf},
      {"tokenizer.ggml.fim_mid_token_id", &v.fim_mid},
      {"tokenizer.ggml.fim_pad_token_id", &v.fim_pad},
      {"tokenizer.ggml.fim_rep_token_id", &v.fim_rep},
      {"tokenizer.ggml.fim_sep_token_id", &v.fim_sep},
      // Deprecated spellings of the first three FIM ids; they win when present.
      {"tokenizer.ggml.prefix_token_id", &v.fim_pre},
      {"tokenizer.ggml.suffix_token_id", &v.fim_suf},
      {"tokenizer.ggml.middle_token_id", &v.fim_mid},
  };
  for (const auto& [key, id] : keys) HEARTH_RETURN_IF_ERROR(read_special_id(file, key, v, *id));
  return Status::ok();
}

Status read_flags(const GgufFile& file, Vocab& v) {
  HEARTH_ASSIGN_OR_RETURN(v.add_bos, file.get_bool_or("tokenizer.ggml.add_bos_token", v.add_bos));
  HEARTH_ASSIGN_OR_RETURN(v.add_eos, file.get_bool_or("tokenizer.ggml.add_eos_token", v.add_eos));
  HEARTH_ASSIGN_OR_RETURN(v.add_sep, file.get_bool_or("tokenizer.ggml.add_sep_token", v.add_sep));
  if (v.type == VocabType::kBpe && bpe_pre_settings(v.pre)->force_add_bos) v.add_bos = true;
  HEARTH_ASSIGN_OR_RETURN(v.wpm_lowercase,
                          file.get_bool_or("tokenizer.ggml.normalizer.lowercase", true));
  HEARTH_ASSIGN_OR_RETURN(v.wpm_strip_accents,
                          file.get_bool_or("tokenizer.ggml.normalizer.strip_accents",
                                           v.wpm_lowercase));
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<Vocab>> Vocab::from_gguf(const gguf::GgufFile& file) {
  auto v = std::make_unique<Vocab>();
  HEARTH_RETURN_IF_ERROR(set_model_type(file, *v));
  HEARTH_RETURN_IF_ERROR(read_tokens(file, *v));
  if (v->type == VocabType::kBpe) HEARTH_RETURN_IF_ERROR(read_merges(file, *v));
  HEARTH_RETURN_IF_ERROR(read_special_ids(file, *v));
  HEARTH_RETURN_IF_ERROR(read_flags(file, *v));
  HEARTH_ASSIGN_OR_RETURN(const std::string name, file.get_string_or("general.name", ""));
  HEARTH_ASSIGN_OR_RETURN(const std::string arch, file.get_string_or("general.architecture", ""));
  apply_special_token_rules(*v, name, arch);
  return v;
}

}  // namespace hearth

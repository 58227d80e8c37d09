// tokenizer: llama.cpp's text-based special-token rules. Converters do not always store
// EOT/FIM ids or mark chat tokens as control, so llama.cpp recognises them by their text;
// matching its ids means applying the same rules in the same order.
#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <string>

#include "tokenizer/vocab.h"

namespace hearth {
namespace {

using Names = std::initializer_list<std::string_view>;

bool one_of(std::string_view text, Names names) {
  return std::find(names.begin(), names.end(), text) != names.end();
}

bool contains_any(std::string_view text, Names parts) {
  for (std::string_view p : parts) {
    if (text.find(p) != std::string_view::npos) return true;
  }
  return false;
}

// Every text the rules below look for starts with '<', '[', '_' or "▁<"; checking that
// first keeps a pass over a 262k vocabulary (mostly "▁word" entries) cheap.
bool may_be_special_text(std::string_view text) {
  if (text.empty()) return false;
  const char c = text[0];
  return c == '<' || c == '[' || c == '_' || text.starts_with("\xE2\x96\x81<");
}

// Sets `id` to the first token (in id order) whose text is one of `names`, when unset, and
// makes that token a control token.
void detect(Vocab& v, TokenId& id, Names names) {
  if (id != kNoToken) return;
  for (TokenId t = 0; t < v.n_tokens(); ++t) {
    if (may_be_special_text(v.text(t)) && one_of(v.text(t), names)) {
      id = t;
      v.tokens[static_cast<size_t>(t)].attr |= kAttrControl;
      return;
    }
  }
}

void detect_by_text(Vocab& v) {
  detect(v, v.eot, {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
                    "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>",
                    "<end_of_utterance>"});
  detect(v, v.eom, {"<|eom_id|>"});
  detect(v, v.fim_pre, {"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>",
                        "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"});
  detect(v, v.fim_suf, {"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>",
                        "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"});
  detect(v, v.fim_mid, {"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>",
                        "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"});
  detect(v, v.fim_pad, {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"});
  detect(v, v.fim_rep, {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"});
  detect(v, v.fim_sep, {"<|file_sep|>"});
}

// Control tokens named "...unused..." are placeholders.
void mark_unused(Vocab& v) {
  for (TokenData& t : v.tokens) {
    if ((t.attr & kAttrControl) && t.text.find("unused") != std::string::npos) {
      t.attr |= kAttrUnused;
    }
  }
}

TokenId eog_with_text(const Vocab& v, std::string_view text) {
  for (TokenId id : v.eog_ids) {
    if (v.valid(id) && v.text(id) == text) return id;
  }
  return kNoToken;
}

void build_eog_set(Vocab& v) {
  v.eog_ids.clear();
  for (TokenId id : {v.fim_pad, v.fim_rep, v.fim_sep}) {
    if (id != kNoToken) v.eog_ids.insert(id);
  }
  for (TokenId t = 0; t < v.n_tokens(); ++t) {
    if (!may_be_special_text(v.text(t))) continue;
    if (one_of(v.text(t), {"<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>",
                           "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>",
                           "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
                           "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
                           "<｜end▁of▁sentence｜>", "[e~["})) {
      v.eog_ids.insert(t);
      v.tokens[static_cast<size_t>(t)].attr |= kAttrControl;
    }
  }
  // gpt-oss: these structural tokens must always be rendered.
  for (TokenData& t : v.tokens) {
    if (!t.text.empty() && t.text[0] == '<' &&
        one_of(t.text, {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"})) {
      t.attr = kAttrUserDefined;
    }
  }
  for (TokenId id : {v.eos, v.eot, v.eom}) {
    if (id != kNoToken) v.eog_ids.insert(id);
  }
  // Harmony (gpt-oss) and solar-open: "<|end|>" ends a message, not the generation.
  const bool has_return = eog_with_text(v, "<|return|>") != kNoToken;
  const bool has_call = eog_with_text(v, "<|call|>") != kNoToken ||
                        eog_with_text(v, "<|calls|>") != kNoToken;
  const bool has_flush = eog_with_text(v, "<|flush|>") != kNoToken;
  const TokenId end = eog_with_text(v, "<|end|>");
  if (end != kNoToken && has_call && (has_return || has_flush)) {
    v.eog_ids.erase(end);
    v.tokens[static_cast<size_t>(end)].attr = kAttrUserDefined;
  }
  // gemma4 and paddleocr: "</s>" is ordinary text there.
  const TokenId s = eog_with_text(v, "</s>");
  if (s != kNoToken && eog_with_text(v, "<|tool_response>") != kNoToken) {
    v.eog_ids.erase(s);
    v.tokens[static_cast<size_t>(s)].attr = kAttrNormal;
  }
}

void build_special_list(Vocab& v) {
  v.special_tokens.clear();
  for (TokenId t = 0; t < v.n_tokens(); ++t) {
    if (v.attr(t) & (kAttrControl | kAttrUserDefined | kAttrUnknown)) v.special_tokens.push_back(t);
  }
  // Longest first, so that a token containing another is split out before it.
  std::stable_sort(v.special_tokens.begin(), v.special_tokens.end(),
                   [&](TokenId a, TokenId b) { return v.text(a).size() > v.text(b).size(); });
}

void set_attr(Vocab& v, std::string_view text, uint32_t bit, bool on) {
  const TokenId id = v.find(text);
  if (id == kNoToken) return;
  uint32_t& attr = v.tokens[static_cast<size_t>(id)].attr;
  attr = on ? (attr | bit) : (attr & ~bit);
}

// Strip attributes llama.cpp sets by model name (they are not stored in GGUF).
void set_model_strip_attrs(Vocab& v, std::string_view general_name, std::string_view arch) {
  std::string name(general_name);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (contains_any(v.pre, {"jina-v2-de", "jina-v2-es", "jina-v2-code"}) ||
      contains_any(arch, {"nomic-bert-moe", "jina-bert-v3"})) {
    set_attr(v, "<mask>", kAttrLstrip, true);
  } else if (contains_any(name, {"phi-3", "phi3"})) {
    for (TokenId id : v.special_tokens) v.tokens[static_cast<size_t>(id)].attr |= kAttrRstrip;
    set_attr(v, "</s>", kAttrRstrip, true);
    for (std::string_view t : {"<unk>", "<s>", "<|endoftext|>"}) set_attr(v, t, kAttrRstrip, false);
  } else if (contains_any(name, {"modern-bert"})) {
    set_attr(v, "[MASK]", kAttrLstrip, true);
  }
}

}  // namespace

void apply_special_token_rules(Vocab& vocab, std::string_view general_name,
                               std::string_view architecture) {
  detect_by_text(vocab);
  mark_unused(vocab);
  build_eog_set(vocab);
  build_special_list(vocab);
  set_model_strip_attrs(vocab, general_name, architecture);
}

}  // namespace hearth

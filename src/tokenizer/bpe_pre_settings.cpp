// tokenizer: per-pre-tokenizer flags, as llama.cpp (b10573) sets them in llama_vocab::load.
#include "tokenizer/bpe_pre_settings.h"

#include <initializer_list>

namespace hearth {
namespace {

bool one_of(std::string_view name, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    if (n == name) return true;
  }
  return false;
}

}  // namespace

std::optional<BpePreSettings> bpe_pre_settings(std::string_view pre) {
  BpePreSettings s;
  if (one_of(pre, {"default", "falcon", "mpt", "starcoder", "jais-2", "refact", "stablelm2",
                   "olmo", "dbrx", "smaug-bpe", "jais", "codeshell", "bloom", "gpt3-finnish",
                   "exaone", "exaone4", "exaone-moe", "minerva-7b", "megrez", "mellum2",
                   "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es",
                   "jina-v2-de", "a.x-4.0", "mellum", "modern-bert"})) {
    return s;
  }
  if (pre == "minicpm5") {
    s.ignore_merges = true;
    return s;
  }
  if (one_of(pre, {"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral",
                   "midm-2.0", "lfm2", "jina-v5-nano"})) {
    s.ignore_merges = true;
    s.add_bos = true;
    return s;
  }
  if (one_of(pre, {"jina-v1-en", "jina-v2-code", "roberta-bpe"})) {
    s.add_sep = true;
    return s;
  }
  if (one_of(pre, {"gemma4", "granite-embed-multi-311m"})) {
    s.escape_whitespaces = true;
    s.byte_encode = false;
    s.force_add_bos = true;
    return s;
  }
  if (pre == "sarvam-moe") {
    s.escape_whitespaces = true;
    s.byte_encode = false;
    s.clean_spaces = false;
    return s;
  }
  if (pre == "whitespace") {
    s.byte_encode = false;
    return s;
  }
  if (one_of(pre, {"glm4", "chatglm-bpe"})) {
    s.no_default_bos = true;
    return s;
  }
  if (one_of(pre, {"tekken"})) {
    s.clean_spaces = false;
    s.ignore_merges = true;
    s.add_bos = true;
    return s;
  }
  if (pre == "chameleon") {
    s.clean_spaces = false;
    s.add_bos = true;
    return s;
  }
  if (one_of(pre, {"youtu", "granite-embed-multi-97m"})) {
    s.clean_spaces = false;
    s.ignore_merges = true;
    return s;
  }
  if (one_of(pre, {"deepseek-llm", "deepseek-coder", "deepseek-v3", "command-r", "qwen2",
                   "deepseek-r1-qwen", "kormo", "f2llmv2", "qwen35", "poro-chat", "viking",
                   "smollm", "gpt-4o", "llama4", "kanana2", "talkie", "tiny_aya",
                   "cohere2moe", "superbpe", "trillion", "granite-docling", "bailingmoe",
                   "bailingmoe2", "llada-moe", "seed-coder", "hunyuan", "hunyuan-dense",
                   "joyai-llm", "kimi-k2", "grok-2", "afmoe", "laguna", "minimax-m2",
                   "solar-open"})) {
    s.clean_spaces = false;
    return s;
  }
  return std::nullopt;
}

}  // namespace hearth

// model: the architectures hearth runs, described as data: a ModelConfig read from GGUF keys and
// a table of the tensors each architecture needs. Public so that tools (e.g. `hearth synth`) can
// write models that `Model::load` accepts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_file.h"
#include "model/model_config.h"

namespace hearth {

// One tensor an architecture uses, resolved for a concrete config.
struct TensorSpec {
  std::string name;          // "blk.0.attn_q.weight"
  std::vector<uint64_t> ne;  // expected shape, ne[0] (the row length) first
  bool required = true;      // optional tensors may be absent (e.g. output.weight: tied output)
  // A weight used in matrix products or row lookups: any type hearth computes with (quantised
  // types included). Otherwise a 1-D tensor (norm, bias, rope factors), conventionally F32.
  bool matrix = false;
};

// Reads `general.architecture` and the `<arch>.*` keys into a validated ModelConfig. Errors name
// the key and say what was expected; unknown architectures list the supported ones.
// n_vocab comes from `<arch>.vocab_size`, else the tokenizer's token list, else token_embd.
// tied_output is set when the file has no output.weight.
Result<ModelConfig> config_from_gguf(const gguf::GgufFile& file);

// Every tensor of config.arch for this config (global tensors first, then blk.0.*, blk.1.*, ...).
// Empty for an unknown architecture.
std::vector<TensorSpec> tensor_specs(const ModelConfig& config);

// The GGUF metadata (general.architecture and `<arch>.*` keys) from which config_from_gguf
// reads `config` back; tokenizer keys are not included.
std::vector<gguf::KeyValue> config_to_gguf(const ModelConfig& config);

// Architecture names Model::load accepts ("llama", "qwen2", ...).
std::vector<std::string_view> supported_architectures();

}  // namespace hearth

// model/synth: writes random-weight GGUF models of the architectures hearth runs (`hearth
// synth`), with a small working tokenizer, so the whole pipeline can be tried and tested
// without downloading a model. The weights are random: the text such a model writes is
// gibberish, and the file says so in general.name and general.description.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_file.h"
#include "tensor/dtype.h"

namespace hearth::synth {

// The dimensions of a random model (GGUF key names without the `<arch>.` prefix in comments).
struct SynthShape {
  std::string arch;                         // general.architecture
  int32_t n_embd = 256;                     // embedding_length
  int32_t n_layer = 2;                      // block_count
  int32_t n_head = 4, n_head_kv = 2;        // attention.head_count(_kv)
  int32_t head_dim = 0;                     // attention.key_length; 0: n_embd / n_head
  int32_t n_ff = 512;                       // feed_forward_length
  int32_t n_vocab = 0;                      // 0: the tokenizer's own size (512)
  int32_t n_ctx = 2048;                     // context_length
  int32_t n_expert = 0, n_expert_used = 0;  // expert_count, expert_used_count (MoE only)
  int32_t n_ff_expert = 0;                  // expert_feed_forward_length (MoE only)
  float rope_theta = 10000.0f;              // rope.freq_base
  bool tied_output = false;                 // no output.weight: logits use token_embd
};

// "tiny" (the default), "llama-3.2-1b", "qwen3-30b-a3b-cut". `arch` may be empty for shapes
// that imply one; "tiny" needs it and adapts to it (MoE experts, BERT's context, ...).
Result<SynthShape> named_shape(std::string_view name, std::string_view arch);
std::vector<std::string_view> shape_names();
// Architectures synth can write: llama, qwen2, qwen3, qwen3moe, gemma3, bert.
std::vector<std::string_view> synth_architectures();

// How matrices are stored: one type for all, or "Q4_K_M" (Q4_K, with Q6_K for the output
// projection and some layers' attn_v and ffn_down, as llama.cpp's Q4_K_M mix does).
struct WeightScheme {
  std::string name;  // "Q4_K_M", "F16", ...
  DType type = DType::F16;
  bool q4_k_m = false;
  uint32_t file_type = 1;  // general.file_type (llama.cpp's ids: 1 F16, 15 Q4_K_M, ...)
};
Result<WeightScheme> parse_weight_scheme(std::string_view name);
std::vector<std::string_view> weight_scheme_names();

struct SynthOptions {
  SynthShape shape;
  std::string shape_name = "custom";  // recorded in general.name
  WeightScheme scheme;
  uint64_t seed = 1;
  int n_threads = 0;      // 0: all hardware threads
  bool progress = false;  // a progress line on stderr while writing
};

struct SynthSummary {
  uint64_t n_tensors = 0;
  uint64_t n_params = 0;
  uint64_t file_bytes = 0;
  int32_t n_vocab = 0;
};

// Whether `file` says it holds random weights (general.description, as synth writes it), so
// that tools can warn that its output is gibberish.
bool has_random_weights(const gguf::GgufFile& file);

// Writes the model to `path` (through `path`.tmp, renamed when complete). Weights are
// normal(0, 0.02) like a fresh initialisation, norms 1; the same options and seed give the
// same file. Memory stays at a few chunks of one tensor whatever the model's size.
Result<SynthSummary> write_synth_model(const SynthOptions& options, const std::string& path);

}  // namespace hearth::synth

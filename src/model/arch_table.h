// model: how an architecture is declared (internal): its fixed points of variation, a hook for
// its own keys, and its tensor table (name, symbolic shape, required or optional, weight slot).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_file.h"
#include "model/model_config.h"
#include "model/weights.h"

namespace hearth {

// Symbolic tensor dimensions, resolved against a ModelConfig by dim_value().
enum class Dim {
  kEmbd, kVocab, kFf, kFfExpert, kExpert, kEmbdQ, kEmbdK, kEmbdV, kHeadDimK, kRotHalf,
  kCtxTrain, kTokenTypes,
};
int64_t dim_value(const ModelConfig& c, Dim d);

enum class Need { kRequired, kOptional };
enum class LayerKind { kAny, kDense, kMoe };  // which layers a per-layer tensor belongs to

struct GlobalTensorRule {
  std::string_view name;  // "token_embd.weight"
  std::vector<Dim> shape;
  Need need;
  Weight ModelWeights::*slot;
};

struct LayerTensorRule {
  std::string_view name;  // after "blk.N.": "attn_q.weight"
  std::vector<Dim> shape;
  Need need;
  Weight LayerWeights::*slot;
  LayerKind kind = LayerKind::kAny;
};

// Typed reads of `<arch>.<suffix>` keys; errors name the full key.
class ArchKeys {
 public:
  ArchKeys(const gguf::GgufFile& file, std::string arch) : file_(file), prefix_(arch + ".") {}
  const gguf::GgufFile& file() const { return file_; }
  std::string key(std::string_view suffix) const { return prefix_ + std::string(suffix); }
  bool has(std::string_view suffix) const { return file_.find(key(suffix)) != nullptr; }

  // Non-negative integers that must fit an int32 (counts and lengths).
  Result<int32_t> count(std::string_view suffix) const;
  Result<int32_t> count_or(std::string_view suffix, int32_t fallback) const;
  Result<float> real(std::string_view suffix) const;
  Result<float> real_or(std::string_view suffix, float fallback) const;
  Result<bool> flag_or(std::string_view suffix, bool fallback) const;
  Result<std::string> text_or(std::string_view suffix, std::string fallback) const;

 private:
  const gguf::GgufFile& file_;
  std::string prefix_;
};

// Metadata being written by config_to_gguf.
class KeyList {
 public:
  explicit KeyList(std::string arch) : prefix_(arch + ".") {}
  void count(std::string_view suffix, int64_t v);  // UINT32
  void real(std::string_view suffix, float v);     // FLOAT32
  void flag(std::string_view suffix, bool v);
  void text(std::string_view suffix, std::string v);
  void raw(std::string key, gguf::Value v) { kvs_.push_back({std::move(key), std::move(v)}); }
  std::vector<gguf::KeyValue> take() { return std::move(kvs_); }

 private:
  std::string prefix_;
  std::vector<gguf::KeyValue> kvs_;
};

struct ArchDef {
  std::string_view name;
  NormKind norm = NormKind::kRms;
  NormPlacement norm_placement = NormPlacement::kPre;
  Activation act = Activation::kSilu;
  RopeStyle rope = RopeStyle::kNormal;
  bool causal = true;
  // Reads the architecture's own keys after the generic ones (config_from_gguf) and sets what
  // differs per layer; may be null.
  Status (*configure)(const ArchKeys& keys, ModelConfig& c) = nullptr;
  // Writes the keys `configure` reads (config_to_gguf); may be null.
  void (*write_keys)(const ModelConfig& c, KeyList& out) = nullptr;
  std::vector<GlobalTensorRule> globals;
  std::vector<LayerTensorRule> layer;
};

// The registry: every architecture hearth runs (arch_registry.cpp lists them).
const std::vector<const ArchDef*>& all_archs();
const ArchDef* find_arch(std::string_view name);

// Each arch/<name>.cpp defines one of these.
const ArchDef& llama_arch();
const ArchDef& qwen2_arch();
const ArchDef& qwen3_arch();
const ArchDef& qwen3moe_arch();
const ArchDef& gemma3_arch();
const ArchDef& bert_arch();

// Table pieces the decoder architectures share (arch_rules.cpp).
std::vector<GlobalTensorRule> decoder_global_rules();  // token_embd, output_norm, output(opt)
// attn_norm, q/k/v/out and their biases (required or optional as `biases` says).
std::vector<LayerTensorRule> attention_rules(Need biases);
std::vector<LayerTensorRule> qk_norm_rules();     // attn_q_norm, attn_k_norm
std::vector<LayerTensorRule> gated_ffn_rules();   // ffn_norm, gate, up, down (dense layers)
std::vector<LayerTensorRule> moe_ffn_rules();     // ffn_norm, router, gate/up/down experts
std::vector<LayerTensorRule> concat_rules(std::initializer_list<std::vector<LayerTensorRule>> parts);

// Marks every layer as MoE and checks the expert counts (architectures whose FFNs are all MoE).
Status configure_all_moe(ModelConfig& c, int32_t n_ff_expert);

}  // namespace hearth

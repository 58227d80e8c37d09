// model: ModelConfig, the flat description of an architecture read from GGUF keys.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hearth {

// Points of variation between architectures (see ARCHITECTURE.md: data, not copied graphs).
enum class NormKind { kRms, kLayer };
enum class Activation { kSilu, kGeluTanh, kGelu };
enum class RopeStyle { kNone, kNormal /* pairs (2i, 2i+1) */, kNeox /* pairs (i, i+d/2) */ };
enum class Pooling { kNone, kMean, kCls, kLast };

struct LayerConfig {
  int32_t sliding_window = 0;  // 0: global attention
  float rope_theta = 10000.0f;
  bool is_moe = false;
};

struct ModelConfig {
  std::string arch;  // general.architecture
  std::string name;  // general.name
  int32_t n_vocab = 0, n_ctx_train = 0, n_embd = 0, n_layer = 0;
  int32_t n_head = 0, n_head_kv = 0, head_dim_k = 0, head_dim_v = 0, n_ff = 0;
  int32_t n_expert = 0, n_expert_used = 0, n_ff_expert = 0;
  float norm_eps = 1e-5f;
  NormKind norm = NormKind::kRms;
  Activation act = Activation::kSilu;
  RopeStyle rope = RopeStyle::kNormal;
  float rope_theta = 10000.0f;
  int32_t n_rot = 0;             // rotated dims per head
  float embd_scale = 1.0f;       // gemma: sqrt(n_embd)
  float attn_scale = 0.0f;       // 0: 1/sqrt(head_dim)
  bool causal = true;            // false for encoders
  Pooling pooling = Pooling::kNone;
  bool tied_output = false;
  std::vector<LayerConfig> layers;  // n_layer entries
};

}  // namespace hearth

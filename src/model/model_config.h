// model: ModelConfig, the flat description of an architecture read from GGUF keys.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hearth {

// Points of variation between architectures (see ARCHITECTURE.md: data, not copied graphs).
enum class NormKind { kRms, kLayer };
enum class Activation { kSilu, kGeluTanh, kGelu };
enum class RopeStyle { kNone, kNormal /* pairs (2i, 2i+1) */, kNeox /* pairs (i, i+d/2) */ };
enum class Pooling { kNone, kMean, kCls, kLast };
// Where a block's norm sits: before each branch (x + f(norm(x)), decoders) or after the
// residual add (norm(x + f(x)), BERT).
enum class NormPlacement { kPre, kPost };
// How a MoE router turns its logits into expert weights.
enum class MoeGating { kSoftmax };

struct LayerConfig {
  int32_t sliding_window = 0;  // 0: global attention; else a query at p sees keys at p-w+1..p
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
  NormPlacement norm_placement = NormPlacement::kPre;
  Activation act = Activation::kSilu;
  RopeStyle rope = RopeStyle::kNormal;
  float rope_theta = 10000.0f;
  float rope_freq_scale = 1.0f;  // linear scaling: positions are multiplied by this
  int32_t n_rot = 0;             // rotated dims per head
  float embd_scale = 1.0f;       // gemma: sqrt(n_embd)
  float attn_scale = 0.0f;       // 0: 1/sqrt(head_dim)
  bool attn_scale_on_q = false;  // gemma: queries are scaled before attention, not the scores
  float final_logit_softcap = 0.0f;  // 0: none; else logits = c * tanh(logits / c)
  bool causal = true;            // false for encoders
  Pooling pooling = Pooling::kNone;
  bool tied_output = false;      // no output.weight: the token embedding projects to logits
  int32_t n_token_types = 0;     // BERT token-type embeddings (type 0 is used)
  MoeGating moe_gating = MoeGating::kSoftmax;
  bool moe_norm_top_k = true;    // renormalise the chosen experts' weights to sum 1
  float moe_weights_scale = 1.0f;
  std::vector<LayerConfig> layers;  // n_layer entries

  // Head and projection widths, named as in the tensor tables.
  int32_t n_embd_q() const { return n_head * head_dim_k; }
  int32_t n_embd_k() const { return n_head_kv * head_dim_k; }
  int32_t n_embd_v() const { return n_head_kv * head_dim_v; }
  bool is_encoder() const { return !causal; }
};

std::string_view norm_kind_name(NormKind k);
std::string_view activation_name(Activation a);
std::string_view rope_style_name(RopeStyle r);
std::string_view pooling_name(Pooling p);

}  // namespace hearth

// model/arch: qwen3moe: qwen3's attention with a MoE FFN in every layer (softmax router over
// n_expert, top-k, chosen weights renormalised to sum 1).
#include "model/arch_table.h"

namespace hearth {
namespace {

Status configure(const ArchKeys&, ModelConfig& c) {
  c.moe_gating = MoeGating::kSoftmax;
  c.moe_norm_top_k = true;
  // Without expert_feed_forward_length the dense width is split between the used experts.
  int32_t n_ff_expert = c.n_ff_expert;
  if (n_ff_expert == 0 && c.n_expert_used > 0) n_ff_expert = c.n_ff / c.n_expert_used;
  return configure_all_moe(c, n_ff_expert);
}

}  // namespace

const ArchDef& qwen3moe_arch() {
  static const ArchDef def{
      .name = "qwen3moe",
      .norm = NormKind::kRms,
      .act = Activation::kSilu,
      .rope = RopeStyle::kNeox,
      .configure = configure,
      .globals = decoder_global_rules(),
      .layer = concat_rules({attention_rules(Need::kOptional), qk_norm_rules(), moe_ffn_rules()}),
  };
  return def;
}

}  // namespace hearth

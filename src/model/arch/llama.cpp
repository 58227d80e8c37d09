// model/arch: llama (Llama 2, 3, 3.1 with per-dimension rope factors; Mixtral-style MoE when the
// file has expert_count > 0).
#include "model/arch_table.h"

namespace hearth {
namespace {

Status configure(const ArchKeys&, ModelConfig& c) {
  // Mixtral stores experts with the dense feed_forward_length.
  if (c.n_expert > 0) return configure_all_moe(c, c.n_ff_expert > 0 ? c.n_ff_expert : c.n_ff);
  return Status::ok();
}

std::vector<GlobalTensorRule> globals() {
  auto rules = decoder_global_rules();
  // Llama 3.1 rope scaling: rotation frequencies are divided by these factors.
  rules.push_back({"rope_freqs.weight", {Dim::kRotHalf}, Need::kOptional, &ModelWeights::rope_freqs});
  return rules;
}

}  // namespace

const ArchDef& llama_arch() {
  static const ArchDef def{
      .name = "llama",
      .norm = NormKind::kRms,
      .act = Activation::kSilu,
      .rope = RopeStyle::kNormal,
      .configure = configure,
      .globals = globals(),
      .layer = concat_rules({attention_rules(Need::kOptional), gated_ffn_rules(), moe_ffn_rules()}),
  };
  return def;
}

}  // namespace hearth

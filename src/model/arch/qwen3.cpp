// model/arch: qwen3: per-head RMS norms on q and k before rope, NEOX rope, no biases.
#include "model/arch_table.h"

namespace hearth {

const ArchDef& qwen3_arch() {
  static const ArchDef def{
      .name = "qwen3",
      .norm = NormKind::kRms,
      .act = Activation::kSilu,
      .rope = RopeStyle::kNeox,
      .globals = decoder_global_rules(),
      .layer = concat_rules({attention_rules(Need::kOptional), qk_norm_rules(), gated_ffn_rules()}),
  };
  return def;
}

}  // namespace hearth

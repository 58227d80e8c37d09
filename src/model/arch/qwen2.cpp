// model/arch: qwen2 (Qwen2, Qwen2.5): llama's layer with q/k/v biases and NEOX rope; the output
// projection is tied to the token embedding when output.weight is absent.
#include "model/arch_table.h"

namespace hearth {

const ArchDef& qwen2_arch() {
  static const ArchDef def{
      .name = "qwen2",
      .norm = NormKind::kRms,
      .act = Activation::kSilu,
      .rope = RopeStyle::kNeox,
      .globals = decoder_global_rules(),
      .layer = concat_rules({attention_rules(Need::kRequired), gated_ffn_rules()}),
  };
  return def;
}

}  // namespace hearth

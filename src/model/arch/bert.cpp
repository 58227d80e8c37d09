// model/arch: bert: a non-causal encoder with absolute position and token-type embeddings,
// LayerNorm (with biases) after each residual add, GELU FFN, pooled output (no logits).
#include "model/arch_table.h"

namespace hearth {
namespace {

using D = Dim;
constexpr Need kReq = Need::kRequired;
constexpr Need kOpt = Need::kOptional;

Status configure(const ArchKeys& k, ModelConfig& c) {
  // The token-type count is only recorded in the table's shape; type 0 is what inputs use.
  if (const gguf::TensorInfo* t = k.file().find_tensor("token_types.weight");
      t && t->ne.size() >= 2 && t->ne[1] > 0 && t->ne[1] <= 1024) {
    c.n_token_types = static_cast<int32_t>(t->ne[1]);
  }
  return Status::ok();
}

std::vector<GlobalTensorRule> globals() {
  return {
      {"token_embd.weight", {D::kEmbd, D::kVocab}, kReq, &ModelWeights::token_embd},
      {"token_types.weight", {D::kEmbd, D::kTokenTypes}, kOpt, &ModelWeights::token_types},
      {"position_embd.weight", {D::kEmbd, D::kCtxTrain}, kReq, &ModelWeights::position_embd},
      {"token_embd_norm.weight", {D::kEmbd}, kReq, &ModelWeights::token_embd_norm},
      {"token_embd_norm.bias", {D::kEmbd}, kReq, &ModelWeights::token_embd_norm_b},
  };
}

// Post-norm block: the attention and FFN norms sit after their residual adds, so they are bound
// to the attn_norm / ffn_norm slots that NormPlacement::kPost applies there.
std::vector<LayerTensorRule> layer() {
  return {
      {"attn_q.weight", {D::kEmbd, D::kEmbdQ}, kReq, &LayerWeights::attn_q},
      {"attn_q.bias", {D::kEmbdQ}, kReq, &LayerWeights::attn_q_b},
      {"attn_k.weight", {D::kEmbd, D::kEmbdK}, kReq, &LayerWeights::attn_k},
      {"attn_k.bias", {D::kEmbdK}, kReq, &LayerWeights::attn_k_b},
      {"attn_v.weight", {D::kEmbd, D::kEmbdV}, kReq, &LayerWeights::attn_v},
      {"attn_v.bias", {D::kEmbdV}, kReq, &LayerWeights::attn_v_b},
      {"attn_output.weight", {D::kEmbdQ, D::kEmbd}, kReq, &LayerWeights::attn_out},
      {"attn_output.bias", {D::kEmbd}, kOpt, &LayerWeights::attn_out_b},
      {"attn_output_norm.weight", {D::kEmbd}, kReq, &LayerWeights::attn_norm},
      {"attn_output_norm.bias", {D::kEmbd}, kReq, &LayerWeights::attn_norm_b},
      {"ffn_up.weight", {D::kEmbd, D::kFf}, kReq, &LayerWeights::ffn_up},
      {"ffn_up.bias", {D::kFf}, kOpt, &LayerWeights::ffn_up_b},
      {"ffn_down.weight", {D::kFf, D::kEmbd}, kReq, &LayerWeights::ffn_down},
      {"ffn_down.bias", {D::kEmbd}, kOpt, &LayerWeights::ffn_down_b},
      {"layer_output_norm.weight", {D::kEmbd}, kReq, &LayerWeights::ffn_norm},
      {"layer_output_norm.bias", {D::kEmbd}, kReq, &LayerWeights::ffn_norm_b},
  };
}

}  // namespace

const ArchDef& bert_arch() {
  static const ArchDef def{
      .name = "bert",
      .norm = NormKind::kLayer,
      .norm_placement = NormPlacement::kPost,
      .act = Activation::kGeluTanh,
      .rope = RopeStyle::kNone,
      .causal = false,
      .configure = configure,
      .globals = globals(),
      .layer = layer(),
  };
  return def;
}

}  // namespace hearth

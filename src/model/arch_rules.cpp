// model: the tensor-table pieces decoder architectures share, symbolic dims and key access.
#include <limits>
#include <optional>

#include "model/arch_table.h"

namespace hearth {

int64_t dim_value(const ModelConfig& c, Dim d) {
  switch (d) {
    case Dim::kEmbd: return c.n_embd;
    case Dim::kVocab: return c.n_vocab;
    case Dim::kFf: return c.n_ff;
    case Dim::kFfExpert: return c.n_ff_expert;
    case Dim::kExpert: return c.n_expert;
    case Dim::kEmbdQ: return c.n_embd_q();
    case Dim::kEmbdK: return c.n_embd_k();
    case Dim::kEmbdV: return c.n_embd_v();
    case Dim::kHeadDimK: return c.head_dim_k;
    case Dim::kRotHalf: return c.n_rot / 2;
    case Dim::kCtxTrain: return c.n_ctx_train;
    case Dim::kTokenTypes: return c.n_token_types;
  }
  return 0;
}

// ---- tensor table pieces -------------------------------------------------------------------

using D = Dim;
constexpr Need kReq = Need::kRequired;
constexpr Need kOpt = Need::kOptional;

std::vector<GlobalTensorRule> decoder_global_rules() {
  return {
      {"token_embd.weight", {D::kEmbd, D::kVocab}, kReq, &ModelWeights::token_embd},
      {"output_norm.weight", {D::kEmbd}, kReq, &ModelWeights::output_norm},
      // Absent: the output projection is tied to the token embedding.
      {"output.weight", {D::kEmbd, D::kVocab}, kOpt, &ModelWeights::output},
      {"output.bias", {D::kVocab}, kOpt, &ModelWeights::output_b},
  };
}

std::vector<LayerTensorRule> attention_rules(Need biases) {
  return {
      {"attn_norm.weight", {D::kEmbd}, kReq, &LayerWeights::attn_norm},
      {"attn_q.weight", {D::kEmbd, D::kEmbdQ}, kReq, &LayerWeights::attn_q},
      {"attn_k.weight", {D::kEmbd, D::kEmbdK}, kReq, &LayerWeights::attn_k},
      {"attn_v.weight", {D::kEmbd, D::kEmbdV}, kReq, &LayerWeights::attn_v},
      {"attn_q.bias", {D::kEmbdQ}, biases, &LayerWeights::attn_q_b},
      {"attn_k.bias", {D::kEmbdK}, biases, &LayerWeights::attn_k_b},
      {"attn_v.bias", {D::kEmbdV}, biases, &LayerWeights::attn_v_b},
      {"attn_output.weight", {D::kEmbdQ, D::kEmbd}, kReq, &LayerWeights::attn_out},
      {"attn_output.bias", {D::kEmbd}, kOpt, &LayerWeights::attn_out_b},
  };
}

std::vector<LayerTensorRule> qk_norm_rules() {
  return {
      {"attn_q_norm.weight", {D::kHeadDimK}, kReq, &LayerWeights::attn_q_norm},
      {"attn_k_norm.weight", {D::kHeadDimK}, kReq, &LayerWeights::attn_k_norm},
  };
}

std::vector<LayerTensorRule> gated_ffn_rules() {
  const LayerKind dense = LayerKind::kDense;
  return {
      {"ffn_norm.weight", {D::kEmbd}, kReq, &LayerWeights::ffn_norm},
      {"ffn_gate.weight", {D::kEmbd, D::kFf}, kReq, &LayerWeights::ffn_gate, dense},
      {"ffn_up.weight", {D::kEmbd, D::kFf}, kReq, &LayerWeights::ffn_up, dense},
      {"ffn_down.weight", {D::kFf, D::kEmbd}, kReq, &LayerWeights::ffn_down, dense},
  };
}

std::vector<LayerTensorRule> moe_ffn_rules() {
  const LayerKind moe = LayerKind::kMoe;
  return {
      {"ffn_norm.weight", {D::kEmbd}, kReq, &LayerWeights::ffn_norm},
      {"ffn_gate_inp.weight", {D::kEmbd, D::kExpert}, kReq, &LayerWeights::ffn_router, moe},
      {"ffn_gate_exps.weight", {D::kEmbd, D::kFfExpert, D::kExpert}, kReq,
       &LayerWeights::ffn_gate_exps, moe},
      {"ffn_up_exps.weight", {D::kEmbd, D::kFfExpert, D::kExpert}, kReq,
       &LayerWeights::ffn_up_exps, moe},
      {"ffn_down_exps.weight", {D::kFfExpert, D::kEmbd, D::kExpert}, kReq,
       &LayerWeights::ffn_down_exps, moe},
  };
}

std::vector<LayerTensorRule> concat_rules(
    std::initializer_list<std::vector<LayerTensorRule>> parts) {
  std::vector<LayerTensorRule> all;
  for (const auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  // The same name may come from two pieces (ffn_norm in dense and MoE tables): keep the first.
  std::vector<LayerTensorRule> unique;
  for (const auto& r : all) {
    bool seen = false;
    for (const auto& u : unique) seen = seen || u.name == r.name;
    if (!seen) unique.push_back(r);
  }
  return unique;
}

Status configure_all_moe(ModelConfig& c, int32_t n_ff_expert) {
  if (c.n_expert <= 0 || c.n_expert_used <= 0) {
    return Status::errorf("{}: expert_count ({}) and expert_used_count ({}) must be > 0", c.arch,
                          c.n_expert, c.n_expert_used);
  }
  if (n_ff_expert <= 0) {
    return Status::errorf("{}: expert feed-forward length must be > 0, got {}", c.arch,
                          n_ff_expert);
  }
  c.n_ff_expert = n_ff_expert;
  for (auto& l : c.layers) l.is_moe = true;
  return Status::ok();
}

// ---- metadata access -----------------------------------------------------------------------

Result<int32_t> ArchKeys::count(std::string_view suffix) const {
  const std::string k = key(suffix);
  const gguf::Value* value = file_.find(k);
  if (!value) return Status::errorf("missing required key '{}'", k);
  uint64_t v = 0;
  if (const gguf::Array* arr = value->as_array()) {
    // A per-layer array: hearth supports it when every layer has the same value.
    if (arr->items.empty()) return Status::errorf("key '{}' is an empty array", k);
    for (const gguf::Value& item : arr->items) {
      const std::optional<uint64_t> x = item.as_uint();
      if (!x) return Status::errorf("key '{}' must hold non-negative integers", k);
      if (item.as_uint() != arr->items.front().as_uint()) {
        return Status::errorf("key '{}' differs between layers, which hearth does not support", k);
      }
      v = *x;
    }
  } else {
    HEARTH_ASSIGN_OR_RETURN(v, file_.get_uint(k));
  }
  if (v > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
    return Status::errorf("key '{}' = {} is too large (at most {})", k, v,
                          std::numeric_limits<int32_t>::max());
  }
  return static_cast<int32_t>(v);
}

Result<int32_t> ArchKeys::count_or(std::string_view suffix, int32_t fallback) const {
  if (!has(suffix)) return fallback;
  return count(suffix);
}

Result<float> ArchKeys::real(std::string_view suffix) const {
  const std::string k = key(suffix);
  if (!file_.find(k)) return Status::errorf("missing required key '{}'", k);
  HEARTH_ASSIGN_OR_RETURN(double v, file_.get_float(k));
  return static_cast<float>(v);
}

Result<float> ArchKeys::real_or(std::string_view suffix, float fallback) const {
  if (!has(suffix)) return fallback;
  return real(suffix);
}

Result<bool> ArchKeys::flag_or(std::string_view suffix, bool fallback) const {
  return file_.get_bool_or(key(suffix), fallback);
}

Result<std::string> ArchKeys::text_or(std::string_view suffix, std::string fallback) const {
  return file_.get_string_or(key(suffix), std::move(fallback));
}

void KeyList::count(std::string_view suffix, int64_t v) {
  raw(prefix_ + std::string(suffix),
      gguf::Value::of_uint(gguf::ValueType::UINT32, static_cast<uint64_t>(v)));
}
void KeyList::real(std::string_view suffix, float v) {
  raw(prefix_ + std::string(suffix), gguf::Value::of_float(gguf::ValueType::FLOAT32, v));
}
void KeyList::flag(std::string_view suffix, bool v) {
  raw(prefix_ + std::string(suffix), gguf::Value::of_bool(v));
}
void KeyList::text(std::string_view suffix, std::string v) {
  raw(prefix_ + std::string(suffix), gguf::Value::of_string(std::move(v)));
}

}  // namespace hearth

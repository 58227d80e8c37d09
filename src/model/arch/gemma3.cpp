// model/arch: gemma3: sliding-window (local) layers with their own rope base between global
// ones, RMS norms before and after each branch, q/k norms, embedding scaled by sqrt(n_embd),
// GELU(tanh)-gated FFN, output tied to the embedding. The GGUF norm weights already hold 1 + w
// (the converter adds 1), so they are used as stored.
#include <cmath>

#include "model/arch_table.h"

namespace hearth {
namespace {

// A layer is local when il % period < period - 1 (period 0: every layer), as llama.cpp reads a
// scalar sliding_window_pattern; an array gives one bool per layer (true: local).
Status read_local_layers(const ArchKeys& k, const ModelConfig& c, std::vector<bool>& local) {
  local.assign(c.layers.size(), false);
  const gguf::Value* v = k.file().find(k.key("attention.sliding_window_pattern"));
  if (v && v->as_array()) {
    const gguf::Array& arr = *v->as_array();
    if (arr.items.size() != c.layers.size()) {
      return Status::errorf("key '{}' has {} entries for {} layers",
                            k.key("attention.sliding_window_pattern"), arr.items.size(),
                            c.layers.size());
    }
    for (size_t i = 0; i < arr.items.size(); ++i) {
      const auto b = arr.items[i].as_bool();
      if (!b) return Status::errorf("key '{}' must hold bools", k.key("attention.sliding_window_pattern"));
      local[i] = *b;
    }
    return Status::ok();
  }
  HEARTH_ASSIGN_OR_RETURN(int32_t period, k.count_or("attention.sliding_window_pattern", 6));
  for (size_t il = 0; il < local.size(); ++il) {
    local[il] = period == 0 || static_cast<int32_t>(il % period) < period - 1;
  }
  return Status::ok();
}

Status configure(const ArchKeys& k, ModelConfig& c) {
  c.embd_scale = std::sqrt(static_cast<float>(c.n_embd));
  // Gemma 3 27B (62 layers) scales queries by 1/sqrt(n_embd / n_head) (query_pre_attn_scalar);
  // the others by 1/sqrt(head_dim).
  const float scale_dim = c.n_layer == 62 ? static_cast<float>(c.n_embd / c.n_head)
                                          : static_cast<float>(c.head_dim_k);
  c.attn_scale = 1.0f / std::sqrt(scale_dim);
  c.attn_scale_on_q = true;  // as the reference orders it (the rounding differs slightly)
  HEARTH_ASSIGN_OR_RETURN(c.final_logit_softcap, k.real_or("final_logit_softcapping", 0.0f));

  HEARTH_ASSIGN_OR_RETURN(int32_t window, k.count_or("attention.sliding_window", 0));
  if (window <= 0) return Status::ok();  // every layer global
  std::vector<bool> local;
  HEARTH_RETURN_IF_ERROR(read_local_layers(k, c, local));
  HEARTH_ASSIGN_OR_RETURN(float theta_local, k.real_or("rope.freq_base_swa", 10000.0f));
  for (size_t il = 0; il < c.layers.size(); ++il) {
    if (!local[il]) continue;
    c.layers[il].sliding_window = window;
    c.layers[il].rope_theta = theta_local;
  }
  return Status::ok();
}

void write_keys(const ModelConfig& c, KeyList& out) {
  if (c.final_logit_softcap != 0.0f) out.real("final_logit_softcapping", c.final_logit_softcap);
  int32_t window = 0;
  float theta_local = 10000.0f;
  for (const auto& l : c.layers) {
    if (l.sliding_window > 0) {
      window = l.sliding_window;
      theta_local = l.rope_theta;
    }
  }
  if (window == 0) return;
  out.count("attention.sliding_window", window);
  out.real("rope.freq_base_swa", theta_local);
  // The smallest period that reproduces the layout, else one bool per layer.
  const int32_t n = static_cast<int32_t>(c.layers.size());
  for (int32_t period = 0; period <= n + 1; ++period) {
    bool match = true;
    for (int32_t il = 0; il < n && match; ++il) {
      const bool local = period == 0 || il % period < period - 1;
      match = local == (c.layers[il].sliding_window > 0);
    }
    if (match) {
      out.count("attention.sliding_window_pattern", period);
      return;
    }
  }
  gguf::Array arr;
  arr.elem_type = gguf::ValueType::BOOL;
  for (const auto& l : c.layers) arr.items.push_back(gguf::Value::of_bool(l.sliding_window > 0));
  out.raw(c.arch + ".attention.sliding_window_pattern", gguf::Value::of_array(std::move(arr)));
}

std::vector<LayerTensorRule> post_norm_rules() {
  return {
      {"post_attention_norm.weight", {Dim::kEmbd}, Need::kRequired, &LayerWeights::attn_post_norm},
      {"post_ffw_norm.weight", {Dim::kEmbd}, Need::kRequired, &LayerWeights::ffn_post_norm},
  };
}

}  // namespace

const ArchDef& gemma3_arch() {
  static const ArchDef def{
      .name = "gemma3",
      .norm = NormKind::kRms,
      .act = Activation::kGeluTanh,
      .rope = RopeStyle::kNeox,
      .configure = configure,
      .write_keys = write_keys,
      .globals = decoder_global_rules(),
      .layer = concat_rules({attention_rules(Need::kOptional), qk_norm_rules(), post_norm_rules(),
                             gated_ffn_rules()}),
  };
  return def;
}

}  // namespace hearth

// model: the architecture registry and the generic half of reading a config: the keys every
// architecture shares, validation, the resolved tensor list and the inverse (config -> keys).
#include <algorithm>
#include <cmath>

#include <fmt/ranges.h>

#include "model/arch.h"
#include "model/arch_table.h"

namespace hearth {

const std::vector<const ArchDef*>& all_archs() {
  // One line per architecture; each arch/<name>.cpp defines its ArchDef.
  static const std::vector<const ArchDef*> archs = {
      &llama_arch(), &qwen2_arch(), &qwen3_arch(), &qwen3moe_arch(), &gemma3_arch(), &bert_arch(),
  };
  return archs;
}

const ArchDef* find_arch(std::string_view name) {
  for (const ArchDef* a : all_archs()) {
    if (a->name == name) return a;
  }
  return nullptr;
}

std::vector<std::string_view> supported_architectures() {
  std::vector<std::string_view> names;
  for (const ArchDef* a : all_archs()) names.push_back(a->name);
  return names;
}

namespace {

Result<Pooling> pooling_from_id(int32_t id) {
  switch (id) {
    case 0: return Pooling::kNone;
    case 1: return Pooling::kMean;
    case 2: return Pooling::kCls;
    case 3: return Pooling::kLast;
    default:
      return Status::errorf("pooling_type {} is not supported (0 none, 1 mean, 2 cls, 3 last)", id);
  }
}

int32_t pooling_id(Pooling p) {
  switch (p) {
    case Pooling::kNone: return 0;
    case Pooling::kMean: return 1;
    case Pooling::kCls: return 2;
    case Pooling::kLast: return 3;
  }
  return 0;
}

// Rope scaling keys: only linear position scaling is supported so far (Llama 3.1's scaling comes
// as rope_freqs.weight, not as keys).
Status read_rope_scaling(const ArchKeys& k, ModelConfig& c) {
  HEARTH_ASSIGN_OR_RETURN(std::string type, k.text_or("rope.scaling.type", "linear"));
  HEARTH_ASSIGN_OR_RETURN(float factor, k.real_or("rope.scaling.factor", 0.0f));
  if (factor == 0.0f) {
    HEARTH_ASSIGN_OR_RETURN(factor, k.real_or("rope.scale_linear", 0.0f));
  }
  if (type == "none" || factor == 0.0f || factor == 1.0f) return Status::ok();
  if (type != "linear") {
    return Status::errorf("key '{}' = '{}' (factor {}) is not supported; hearth supports linear",
                          k.key("rope.scaling.type"), type, factor);
  }
  if (!(factor > 0.0f) || !std::isfinite(factor)) {
    return Status::errorf("key '{}' = {} must be a positive number", k.key("rope.scaling.factor"),
                          factor);
  }
  c.rope_freq_scale = 1.0f / factor;
  return Status::ok();
}

Result<int32_t> read_n_vocab(const ArchKeys& k) {
  if (k.has("vocab_size")) return k.count("vocab_size");
  if (k.file().find("tokenizer.ggml.tokens")) {
    HEARTH_ASSIGN_OR_RETURN(const gguf::Array* tokens, k.file().get_array("tokenizer.ggml.tokens"));
    return static_cast<int32_t>(tokens->items.size());
  }
  if (const gguf::TensorInfo* t = k.file().find_tensor("token_embd.weight");
      t && t->ne.size() >= 2 && t->ne[1] <= (1u << 30)) {
    return static_cast<int32_t>(t->ne[1]);
  }
  return Status::errorf("cannot tell the vocabulary size: no key '{}', no tokenizer.ggml.tokens "
                        "and no token_embd.weight", k.key("vocab_size"));
}

Status check_range(std::string_view what, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi) {
    return Status::errorf("{} = {} is out of range [{}, {}]", what, v, lo, hi);
  }
  return Status::ok();
}

// Bounds that keep a corrupt file from asking for absurd allocations.
Status validate(const ModelConfig& c) {
  HEARTH_RETURN_IF_ERROR(check_range("n_layer (block_count)", c.n_layer, 1, 4096));
  HEARTH_RETURN_IF_ERROR(check_range("n_embd (embedding_length)", c.n_embd, 1, 1 << 17));
  HEARTH_RETURN_IF_ERROR(check_range("n_head (attention.head_count)", c.n_head, 1, 1 << 12));
  HEARTH_RETURN_IF_ERROR(check_range("n_head_kv (attention.head_count_kv)", c.n_head_kv, 1, c.n_head));
  HEARTH_RETURN_IF_ERROR(check_range("head_dim_k (attention.key_length)", c.head_dim_k, 1, 1 << 12));
  HEARTH_RETURN_IF_ERROR(check_range("head_dim_v (attention.value_length)", c.head_dim_v, 1, 1 << 12));
  HEARTH_RETURN_IF_ERROR(check_range("n_ff (feed_forward_length)", c.n_ff, 0, 1 << 20));
  HEARTH_RETURN_IF_ERROR(check_range("n_vocab", c.n_vocab, 1, 1 << 24));
  HEARTH_RETURN_IF_ERROR(check_range("n_ctx_train (context_length)", c.n_ctx_train, 1, 1 << 24));
  HEARTH_RETURN_IF_ERROR(check_range("n_expert (expert_count)", c.n_expert, 0, 1 << 12));
  HEARTH_RETURN_IF_ERROR(check_range("n_expert_used (expert_used_count)", c.n_expert_used, 0, c.n_expert));
  HEARTH_RETURN_IF_ERROR(check_range("n_ff_expert", c.n_ff_expert, 0, 1 << 20));
  if (c.n_head % c.n_head_kv != 0) {
    return Status::errorf("n_head {} is not a multiple of n_head_kv {}", c.n_head, c.n_head_kv);
  }
  if (c.rope != RopeStyle::kNone &&
      (c.n_rot <= 0 || c.n_rot % 2 != 0 || c.n_rot > c.head_dim_k)) {
    return Status::errorf("rope.dimension_count {} must be even and in [2, head_dim {}]", c.n_rot,
                          c.head_dim_k);
  }
  if (!(c.norm_eps >= 0.0f) || !std::isfinite(c.norm_eps)) {
    return Status::errorf("norm epsilon {} must be a finite number >= 0", c.norm_eps);
  }
  for (size_t i = 0; i < c.layers.size(); ++i) {
    const LayerConfig& l = c.layers[i];
    if (!(l.rope_theta > 0.0f) || !std::isfinite(l.rope_theta)) {
      return Status::errorf("layer {}: rope base {} must be a positive number", i, l.rope_theta);
    }
    if (l.sliding_window < 0) return Status::errorf("layer {}: negative sliding window", i);
    if (!l.is_moe && c.n_ff <= 0) {
      return Status::errorf("layer {} is dense but feed_forward_length is {}", i, c.n_ff);
    }
  }
  return Status::ok();
}

bool arch_has_global(const ArchDef& def, std::string_view name) {
  for (const auto& r : def.globals) {
    if (r.name == name) return true;
  }
  return false;
}

}  // namespace

Result<ModelConfig> config_from_gguf(const gguf::GgufFile& file) {
  HEARTH_ASSIGN_OR_RETURN(std::string arch, file.get_string("general.architecture"));
  const ArchDef* def = find_arch(arch);
  if (!def) {
    return Status::errorf("architecture '{}' is not supported (hearth runs: {})", arch,
                          fmt::join(supported_architectures(), ", "));
  }
  ModelConfig c;
  c.arch = arch;
  HEARTH_ASSIGN_OR_RETURN(c.name, file.get_string_or("general.name", ""));
  const ArchKeys k(file, arch);

  HEARTH_ASSIGN_OR_RETURN(c.n_ctx_train, k.count("context_length"));
  HEARTH_ASSIGN_OR_RETURN(c.n_embd, k.count("embedding_length"));
  HEARTH_ASSIGN_OR_RETURN(c.n_layer, k.count("block_count"));
  HEARTH_ASSIGN_OR_RETURN(c.n_ff, k.count_or("feed_forward_length", 0));
  HEARTH_ASSIGN_OR_RETURN(c.n_head, k.count("attention.head_count"));
  HEARTH_ASSIGN_OR_RETURN(c.n_head_kv, k.count_or("attention.head_count_kv", c.n_head));
  const int32_t head_dim = c.n_head > 0 ? c.n_embd / c.n_head : 0;
  HEARTH_ASSIGN_OR_RETURN(c.head_dim_k, k.count_or("attention.key_length", head_dim));
  HEARTH_ASSIGN_OR_RETURN(c.head_dim_v, k.count_or("attention.value_length", head_dim));
  HEARTH_ASSIGN_OR_RETURN(c.n_rot, k.count_or("rope.dimension_count", c.head_dim_k));
  HEARTH_ASSIGN_OR_RETURN(c.rope_theta, k.real_or("rope.freq_base", 10000.0f));
  HEARTH_RETURN_IF_ERROR(read_rope_scaling(k, c));
  HEARTH_ASSIGN_OR_RETURN(c.n_expert, k.count_or("expert_count", 0));
  HEARTH_ASSIGN_OR_RETURN(c.n_expert_used, k.count_or("expert_used_count", 0));
  HEARTH_ASSIGN_OR_RETURN(c.n_ff_expert, k.count_or("expert_feed_forward_length", 0));
  HEARTH_ASSIGN_OR_RETURN(c.causal, k.flag_or("attention.causal", def->causal));
  HEARTH_ASSIGN_OR_RETURN(int32_t pooling, k.count_or("pooling_type", 0));
  HEARTH_ASSIGN_OR_RETURN(c.pooling, pooling_from_id(pooling));
  HEARTH_ASSIGN_OR_RETURN(c.n_vocab, read_n_vocab(k));

  c.norm = def->norm;
  c.norm_placement = def->norm_placement;
  c.act = def->act;
  c.rope = def->rope;
  HEARTH_ASSIGN_OR_RETURN(c.norm_eps, k.real(c.norm == NormKind::kRms
                                                 ? "attention.layer_norm_rms_epsilon"
                                                 : "attention.layer_norm_epsilon"));
  c.tied_output = arch_has_global(*def, "output.weight") && !file.find_tensor("output.weight");
  c.layers.assign(static_cast<size_t>(std::max(c.n_layer, 0)), LayerConfig{});
  for (auto& l : c.layers) l.rope_theta = c.rope_theta;

  // Counts must be sane before the architecture hook computes with them.
  HEARTH_RETURN_IF_ERROR(check_range("n_layer (block_count)", c.n_layer, 1, 4096));
  HEARTH_RETURN_IF_ERROR(check_range("n_head (attention.head_count)", c.n_head, 1, 1 << 12));
  if (def->configure) HEARTH_RETURN_IF_ERROR(def->configure(k, c));
  HEARTH_RETURN_IF_ERROR(validate(c));
  return c;
}

std::vector<TensorSpec> tensor_specs(const ModelConfig& c) {
  std::vector<TensorSpec> specs;
  const ArchDef* def = find_arch(c.arch);
  if (!def) return specs;
  auto resolve = [&](const std::vector<Dim>& shape) {
    std::vector<uint64_t> ne;
    for (Dim d : shape) ne.push_back(static_cast<uint64_t>(std::max<int64_t>(dim_value(c, d), 0)));
    return ne;
  };
  auto add = [&](std::string name, const std::vector<Dim>& shape, Need need) {
    TensorSpec s{std::move(name), resolve(shape), need == Need::kRequired, shape.size() >= 2};
    bool empty = false;
    for (uint64_t n : s.ne) empty = empty || n == 0;
    if (empty && !s.required) return;  // e.g. no token types: the optional tensor cannot exist
    specs.push_back(std::move(s));
  };
  for (const auto& r : def->globals) add(std::string(r.name), r.shape, r.need);
  for (int32_t il = 0; il < c.n_layer && il < static_cast<int32_t>(c.layers.size()); ++il) {
    const bool moe = c.layers[il].is_moe;
    for (const auto& r : def->layer) {
      if ((r.kind == LayerKind::kDense && moe) || (r.kind == LayerKind::kMoe && !moe)) continue;
      add(fmt::format("blk.{}.{}", il, r.name), r.shape, r.need);
    }
  }
  return specs;
}

std::vector<gguf::KeyValue> config_to_gguf(const ModelConfig& c) {
  KeyList out(c.arch);
  const ArchDef* def = find_arch(c.arch);
  out.raw("general.architecture", gguf::Value::of_string(c.arch));
  if (!c.name.empty()) out.raw("general.name", gguf::Value::of_string(c.name));
  out.count("context_length", c.n_ctx_train);
  out.count("embedding_length", c.n_embd);
  out.count("block_count", c.n_layer);
  if (c.n_ff > 0) out.count("feed_forward_length", c.n_ff);
  out.count("attention.head_count", c.n_head);
  out.count("attention.head_count_kv", c.n_head_kv);
  out.count("attention.key_length", c.head_dim_k);
  out.count("attention.value_length", c.head_dim_v);
  out.real(c.norm == NormKind::kRms ? "attention.layer_norm_rms_epsilon"
                                    : "attention.layer_norm_epsilon",
           c.norm_eps);
  if (c.rope != RopeStyle::kNone) {
    out.count("rope.dimension_count", c.n_rot);
    out.real("rope.freq_base", c.rope_theta);
    if (c.rope_freq_scale != 1.0f) {
      out.text("rope.scaling.type", "linear");
      out.real("rope.scaling.factor", 1.0f / c.rope_freq_scale);
    }
  }
  out.count("vocab_size", c.n_vocab);
  if (c.n_expert > 0) {
    out.count("expert_count", c.n_expert);
    out.count("expert_used_count", c.n_expert_used);
    out.count("expert_feed_forward_length", c.n_ff_expert);
  }
  if (!def || c.causal != def->causal) out.flag("attention.causal", c.causal);
  if (c.pooling != Pooling::kNone) out.count("pooling_type", pooling_id(c.pooling));
  if (def && def->write_keys) def->write_keys(c, out);
  return out.take();
}

std::string_view norm_kind_name(NormKind k) { return k == NormKind::kRms ? "rms" : "layer"; }

std::string_view activation_name(Activation a) {
  switch (a) {
    case Activation::kSilu: return "silu";
    case Activation::kGeluTanh: return "gelu_tanh";
    case Activation::kGelu: return "gelu";
  }
  return "?";
}

std::string_view rope_style_name(RopeStyle r) {
  switch (r) {
    case RopeStyle::kNone: return "none";
    case RopeStyle::kNormal: return "normal";
    case RopeStyle::kNeox: return "neox";
  }
  return "?";
}

std::string_view pooling_name(Pooling p) {
  switch (p) {
    case Pooling::kNone: return "none";
    case Pooling::kMean: return "mean";
    case Pooling::kCls: return "cls";
    case Pooling::kLast: return "last";
  }
  return "?";
}

}  // namespace hearth

#include "perf/weight_traffic.h"

#include <algorithm>
#include <cmath>

#include "model/model.h"

namespace hearth::perf {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Rows of a tensor: the product of every dimension after the first.
uint64_t rows_of(const gguf::TensorInfo& t) {
  uint64_t rows = 1;
  for (size_t d = 1; d < t.ne.size(); ++d) rows *= t.ne[d];
  return rows;
}

// Weights of a matrix product: 2-D and 3-D ".weight" tensors (2-D biases of experts and
// 1-D norms are not).
bool is_matmul_weight(const gguf::TensorInfo& t) {
  return t.ne.size() >= 2 && rows_of(t) > 1 && ends_with(t.name, ".weight");
}

}  // namespace

TensorRead classify_tensor(std::string_view name, bool output_is_tied) {
  if (starts_with(name, "token_embd.")) return output_is_tied ? TensorRead::kFull : TensorRead::kOneRow;
  if (starts_with(name, "position_embd.") || starts_with(name, "token_types.")) return TensorRead::kOneRow;
  if (name.find("_exps.") != std::string_view::npos) return TensorRead::kExperts;
  return TensorRead::kFull;
}

uint64_t WeightTraffic::bytes_per_token() const {
  uint64_t active = 0;
  if (n_expert > 0) active = expert_bytes / static_cast<uint64_t>(n_expert) * static_cast<uint64_t>(n_expert_used);
  return full_bytes + row_bytes + active;
}

double WeightTraffic::bytes_per_batch_token(int64_t n_tokens) const {
  if (n_tokens <= 0) return 0.0;
  const double t = static_cast<double>(n_tokens);
  double touched = 0.0;
  if (n_expert > 0) {
    const double miss = 1.0 - static_cast<double>(n_expert_used) / n_expert;  // an expert skipped by one token
    touched = 1.0 - std::pow(miss, t);
  }
  // A batch cannot read more of a lookup table than all of it.
  const double lookups = std::min(static_cast<double>(row_bytes) * t, static_cast<double>(lookup_bytes));
  return (static_cast<double>(full_bytes) + lookups + touched * static_cast<double>(expert_bytes)) / t;
}

double WeightTraffic::matmul_flops_per_token() const {
  double experts = 0.0;
  if (n_expert > 0) experts = static_cast<double>(matmul_params_experts) * n_expert_used / n_expert;
  return 2.0 * (static_cast<double>(matmul_params_dense) + experts);
}

double WeightTraffic::matmul_flops_per_prompt_token(int64_t n_tokens) const {
  if (n_tokens <= 0) return 0.0;
  const double head = static_cast<double>(head_params);
  return matmul_flops_per_token() - 2.0 * head + 2.0 * head / static_cast<double>(n_tokens);
}

Result<WeightTraffic> weight_traffic(std::span<const gguf::TensorInfo> tensors, int32_t n_expert,
                                     int32_t n_expert_used) {
  WeightTraffic w;
  bool tied = true;
  for (const auto& t : tensors) {
    if (t.name == "output.weight") tied = false;
  }
  for (const auto& t : tensors) {
    w.total_bytes += t.nbytes;
    w.n_params += t.n_elements;
    switch (classify_tensor(t.name, tied)) {
      case TensorRead::kFull:
        w.full_bytes += t.nbytes;
        if (is_matmul_weight(t)) w.matmul_params_dense += t.n_elements;
        if (t.name == "output.weight" || starts_with(t.name, "token_embd.")) w.head_params += t.n_elements;
        break;
      case TensorRead::kOneRow: {
        const uint64_t rows = rows_of(t);
        w.row_bytes += rows > 0 ? t.nbytes / rows : 0;
        w.lookup_bytes += t.nbytes;
        break;
      }
      case TensorRead::kExperts: {
        if (n_expert <= 0 || n_expert_used <= 0 || n_expert_used > n_expert) {
          return Status::errorf("tensor '{}' holds MoE experts but the model has {} experts with {} used per "
                                "token (expected 0 < used <= experts)", t.name, n_expert, n_expert_used);
        }
        if (t.ne.empty() || t.ne.back() != static_cast<uint64_t>(n_expert)) {
          return Status::errorf("expert tensor '{}': last dimension {} but the model has {} experts", t.name,
                                t.ne.empty() ? 0 : t.ne.back(), n_expert);
        }
        w.expert_bytes += t.nbytes;
        if (is_matmul_weight(t)) w.matmul_params_experts += t.n_elements;
        break;
      }
    }
  }
  if (w.expert_bytes > 0) {
    w.n_expert = n_expert;
    w.n_expert_used = n_expert_used;
  }
  return w;
}

Result<WeightTraffic> weight_traffic(const Model& model) {
  const ModelConfig& c = model.config();
  return weight_traffic(model.file().tensors(), c.n_expert, c.n_expert_used);
}

double attention_flops(const ModelConfig& config, int64_t first_pos, int64_t n_tokens) {
  // Per query and key: a head_dim_k dot product for the score and head_dim_v multiply-adds
  // for the value sum, in every head.
  const double per_key = 2.0 * config.n_head * (static_cast<double>(config.head_dim_k) + config.head_dim_v);
  double keys = 0.0;
  for (int32_t l = 0; l < config.n_layer; ++l) {
    const int64_t window = l < static_cast<int32_t>(config.layers.size()) ? config.layers[l].sliding_window : 0;
    for (int64_t pos = first_pos; pos < first_pos + n_tokens; ++pos) {
      const int64_t visible = config.causal ? pos + 1 : first_pos + n_tokens;
      keys += static_cast<double>(window > 0 ? std::min(visible, window) : visible);
    }
  }
  return per_key * keys;
}

}  // namespace hearth::perf

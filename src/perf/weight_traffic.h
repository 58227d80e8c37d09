// perf: how many bytes of weights a model reads, and how many FLOPs it does, per token: the
// numerators of the roofline (achieved GB/s = bytes per token x tokens/s).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "base/status.h"
#include "gguf/gguf_file.h"
#include "model/model_config.h"

namespace hearth {
class Model;
}

namespace hearth::perf {

// How one token's forward pass reads a tensor.
enum class TensorRead {
  kFull,     // every byte: attention, dense FFN, norms, routers, the output projection
  kOneRow,   // an embedding lookup (token_embd, position_embd, token_types): one row
  kExperts,  // MoE expert tensors (*_exps): only the n_expert_used active experts' slices
};

// By GGUF name. output_is_tied: the file has no output.weight, so token_embd is also the
// logits projection and is read in full.
TensorRead classify_tensor(std::string_view name, bool output_is_tied);

struct WeightTraffic {
  uint64_t total_bytes = 0;   // every tensor in full (the size of the weights)
  uint64_t n_params = 0;      // elements of every tensor
  uint64_t full_bytes = 0;    // tensors read in full per token
  uint64_t row_bytes = 0;     // one row of each embedding lookup
  uint64_t lookup_bytes = 0;  // the embedding lookups' tensors in full
  uint64_t expert_bytes = 0;  // all experts of every expert tensor
  int32_t n_expert = 0, n_expert_used = 0;  // 0 for dense models
  // Elements of the weights of matrix products (for FLOPs), dense and all experts.
  uint64_t matmul_params_dense = 0;
  uint64_t matmul_params_experts = 0;
  // Elements of the output head (output.weight, or the tied token_embd): part of
  // matmul_params_dense, but a prompt runs it for its last token only.
  uint64_t head_params = 0;

  // Bytes of weights read to generate one token: full tensors, one row per lookup and the
  // active experts' share (n_expert_used / n_expert) of every expert tensor.
  uint64_t bytes_per_token() const;
  // Bytes of weights per token when n_tokens are evaluated in one batch: every full tensor
  // once per batch, one lookup row per token, and the experts at least one token is routed to
  // (expected share 1 - (1 - used/n)^n_tokens under uniform routing), divided by n_tokens.
  double bytes_per_batch_token(int64_t n_tokens) const;
  // 2 x the active matrix-product weights: the FLOPs of the matrix products per token.
  double matmul_flops_per_token() const;
  // The same per token of an n_tokens prompt evaluated in one batch, whose logits are needed
  // for the last token only (the output head runs once).
  double matmul_flops_per_prompt_token(int64_t n_tokens) const;
};

// Sums the tensor table. A model with expert tensors needs 0 < n_expert_used <= n_expert, and
// every expert tensor's last dimension must be n_expert; errors name the tensor.
Result<WeightTraffic> weight_traffic(std::span<const gguf::TensorInfo> tensors, int32_t n_expert,
                                     int32_t n_expert_used);
// The loaded model's tensors with its config's expert counts.
Result<WeightTraffic> weight_traffic(const Model& model);

// FLOPs of attention (scores and weighted values, all layers) for n_tokens tokens at positions
// first_pos.. of one sequence; each attends its causal window of keys.
double attention_flops(const ModelConfig& config, int64_t first_pos, int64_t n_tokens);

}  // namespace hearth::perf

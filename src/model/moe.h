// model: the mixture-of-experts FFN: a router picks the top-k experts per token, whose outputs
// are summed with the router's (renormalised) weights.
#pragma once

#include <cstdint>
#include <vector>

#include "model/model_config.h"
#include "model/weights.h"

namespace hearth {

// Buffers sized once per context for a batch of up to max_batch tokens.
struct MoeScratch {
  void allocate(const ModelConfig& c, int32_t max_batch);
  std::vector<float> router;           // [n][n_expert] probabilities
  std::vector<int32_t> chosen;         // [n][n_expert_used] expert ids
  std::vector<float> chosen_weight;    // [n][n_expert_used]
  std::vector<int32_t> order;          // experts by probability, one token at a time
  std::vector<int32_t> expert_tokens;  // the tokens routed to each expert, expert by expert
  std::vector<float> expert_weight;    // their router weights
  std::vector<int32_t> expert_begin;   // [n_expert + 1]: expert e's slice of expert_tokens
  std::vector<float> x, gate, up, down;  // those tokens' rows, gathered, expert by expert
  std::vector<float> rounded;            // activations rounded for a product
  std::vector<float> x_gate, rounded_gate;  // the gate's own input, when it needs one
};

// out[n][n_embd] = sum over chosen experts e of w_e * down_e(act(gate_e(x)) * up_e(x)).
void moe_ffn(const ModelConfig& c, const LayerWeights& layer, const float* x, int32_t n,
             float* out, MoeScratch& s);

}  // namespace hearth

// model: mixture-of-experts FFN (softmax router, top-k, grouped expert products).
#include "model/moe.h"

#include <algorithm>
#include <numeric>

#include "model/ops.h"
#include "model/reference_rounding.h"

namespace hearth {

void MoeScratch::allocate(const ModelConfig& c, int32_t max_batch) {
  const size_t b = static_cast<size_t>(max_batch);
  router.assign(b * c.n_expert, 0.0f);
  chosen.assign(b * c.n_expert_used, 0);
  order.assign(c.n_expert, 0);
  chosen_weight.assign(b * c.n_expert_used, 0.0f);
  expert_tokens.reserve(b);
  expert_weight.reserve(b);
  x.assign(b * c.n_embd, 0.0f);
  gate.assign(b * c.n_ff_expert, 0.0f);
  up.assign(b * c.n_ff_expert, 0.0f);
  down.assign(b * c.n_embd, 0.0f);
  rounded.assign(b * std::max(c.n_embd, c.n_ff_expert), 0.0f);
}

namespace {

// Router probabilities -> the k most probable experts and their weights.
void route(const ModelConfig& c, int32_t n, MoeScratch& s) {
  const int32_t k = c.n_expert_used;
  std::vector<int32_t>& order = s.order;
  for (int32_t t = 0; t < n; ++t) {
    float* p = s.router.data() + static_cast<size_t>(t) * c.n_expert;
    ops::softmax(p, c.n_expert);
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [p](int32_t a, int32_t b) { return p[a] > p[b] || (p[a] == p[b] && a < b); });
    float sum = 0.0f;
    for (int32_t j = 0; j < k; ++j) sum += p[order[j]];
    for (int32_t j = 0; j < k; ++j) {
      float w = p[order[j]];
      if (c.moe_norm_top_k && sum > 0.0f) w /= sum;
      s.chosen[t * k + j] = order[j];
      s.chosen_weight[t * k + j] = w * c.moe_weights_scale;
    }
  }
}

}  // namespace

void moe_ffn(const ModelConfig& c, const LayerWeights& L, const float* x, int32_t n, float* out,
             MoeScratch& s) {
  const int64_t E = c.n_embd, F = c.n_ff_expert;
  const int32_t k = c.n_expert_used;
  const Weight& r = L.ffn_router;
  matmul_like_reference(r.dtype, r.data, r.ne[1], r.ne[0], x, n, s.router.data(), s.rounded);
  route(c, n, s);
  std::fill(out, out + n * E, 0.0f);

  // Each expert runs once on all the tokens routed to it.
  for (int32_t e = 0; e < c.n_expert; ++e) {
    s.expert_tokens.clear();
    s.expert_weight.clear();
    for (int32_t t = 0; t < n; ++t) {
      for (int32_t j = 0; j < k; ++j) {
        if (s.chosen[t * k + j] != e) continue;
        s.expert_tokens.push_back(t);
        s.expert_weight.push_back(s.chosen_weight[t * k + j]);
      }
    }
    const int32_t m = static_cast<int32_t>(s.expert_tokens.size());
    if (m == 0) continue;
    for (int32_t i = 0; i < m; ++i) {
      std::copy(x + s.expert_tokens[i] * E, x + (s.expert_tokens[i] + 1) * E, s.x.data() + i * E);
    }
    const Weight& up = L.ffn_up_exps;
    matmul_like_reference(up.dtype, up.matrix(e), F, E, s.x.data(), m, s.up.data(), s.rounded);
    if (const Weight& gate = L.ffn_gate_exps; gate.present()) {
      matmul_like_reference(gate.dtype, gate.matrix(e), F, E, s.x.data(), m, s.gate.data(),
                            s.rounded);
      ops::gated_activation(c.act, s.gate.data(), s.up.data(), m * F);
    } else {
      ops::activation(c.act, s.up.data(), m * F);
    }
    const Weight& down = L.ffn_down_exps;
    matmul_like_reference(down.dtype, down.matrix(e), E, F, s.up.data(), m, s.down.data(),
                          s.rounded);
    for (int32_t i = 0; i < m; ++i) {
      float* o = out + s.expert_tokens[i] * E;
      const float* d = s.down.data() + i * E;
      const float w = s.expert_weight[i];
      for (int64_t j = 0; j < E; ++j) o[j] += w * d[j];
    }
  }
}

}  // namespace hearth

// model: mixture-of-experts FFN (softmax router, top-k, grouped expert products).
#include "model/moe.h"

#include <algorithm>
#include <numeric>

#include "base/check.h"
#include "kernels/matmul.h"
#include "model/ops.h"
#include "model/reference_rounding.h"

namespace hearth {

void MoeScratch::allocate(const ModelConfig& c, int32_t max_batch) {
  const size_t b = static_cast<size_t>(max_batch);
  const size_t rows = b * static_cast<size_t>(c.n_expert_used);  // (token, expert) pairs
  router.assign(b * c.n_expert, 0.0f);
  chosen.assign(rows, 0);
  order.assign(c.n_expert, 0);
  chosen_weight.assign(rows, 0.0f);
  expert_tokens.reserve(rows);
  expert_weight.reserve(rows);
  expert_begin.assign(static_cast<size_t>(c.n_expert) + 1, 0);
  x.assign(rows * c.n_embd, 0.0f);
  gate.assign(rows * c.n_ff_expert, 0.0f);
  up.assign(rows * c.n_ff_expert, 0.0f);
  down.assign(rows * c.n_embd, 0.0f);
  rounded.assign(b * c.n_embd, 0.0f);
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

// Lists, expert by expert, the tokens routed to it and their weights.
void group_by_expert(const ModelConfig& c, int32_t n, MoeScratch& s) {
  const int32_t k = c.n_expert_used;
  s.expert_tokens.clear();
  s.expert_weight.clear();
  for (int32_t e = 0; e < c.n_expert; ++e) {
    s.expert_begin[e] = static_cast<int32_t>(s.expert_tokens.size());
    for (int32_t t = 0; t < n; ++t) {
      for (int32_t j = 0; j < k; ++j) {
        if (s.chosen[t * k + j] != e) continue;
        s.expert_tokens.push_back(t);
        s.expert_weight.push_back(s.chosen_weight[t * k + j]);
      }
    }
  }
  s.expert_begin[c.n_expert] = static_cast<int32_t>(s.expert_tokens.size());
}

// Rounds rows in place as the reference would before a product with `wtype`, unless the
// kernels quantise them that way themselves.
void round_for(DType wtype, float* rows, int64_t n, int64_t cols) {
  if (!kernels::quantizes_activations(wtype))
    round_activations(activation_rounding_for(wtype), rows, n, cols, rows);
}

// The input of the first products for weights of `wtype`: x rounded as the reference rounds
// it (into `rounded`; x itself when the kernels quantise), and, for every expert that got
// only some of the tokens, those rows gathered at the expert's slice of `gathered`. The: its slice of `gathered`, or the full input if it got all n tokens.
struct ExpertInputs {
  const float* full;
  const float* gathered;
  const float* of(int32_t begin, int32_t m, int32_t n, int64_t E) const {
    return m < n ? gathered + begin * E : full;
  }
};

ExpertInputs inputs_for(DType wtype, const float* x, int32_t n, int64_t E, MoeScratch& s,
                        std::vector<float>& rounded, std::vector<float>& gathered) {
  const float* in = x;
  if (!kernels::quantizes_activations(wtype)) {
    rounded.resize(static_cast<size_t>(n * E));
    round_activations(activation_rounding_for(wtype), x, n, E, rounded.data());
    in = rounded.data();
  }
  gathered.resize(std::max(gathered.size(), s.expert_tokens.size() * static_cast<size_t>(E)));
  for (size_t e = 0; e + 1 < s.expert_begin.size(); ++e) {
    const int32_t b = s.expert_begin[e], m = s.expert_begin[e + 1] - b;
    if (m == 0 || m == n) continue;
    for (int32_t i = 0; i < m; ++i) {
      const float* src = in + static_cast<int64_t>(s.expert_tokens[b + i]) * E;
      std::copy(src, src + E, gathered.data() + (b + i) * E);
    }
  }
  return {in, gathered.data()};
}

}  // namespace

// Every expert runs once on all the tokens routed to it, and all experts' products of one
// stage (gate and up, then down) go to the kernels as one group: one pass of the thread pool
// per stage rather than one per expert and matrix. An expert that got every token (always,
// when decoding) reads x in place, so its quantised copy is shared by all experts.
void moe_ffn(const ModelConfig& c, const LayerWeights& L, const float* x, int32_t n, float* out,
             MoeScratch& s) {
  const int64_t E = c.n_embd, F = c.n_ff_expert;
  const Weight& r = L.ffn_router;
  matmul_like_reference(r, x, n, s.router.data(), s.rounded);
  route(c, n, s);
  group_by_expert(c, n, s);
  std::fill(out, out + n * E, 0.0f);

  const Weight& up = L.ffn_up_exps;
  const Weight& gate = L.ffn_gate_exps;
  const Weight& down = L.ffn_down_exps;
  const bool gated = gate.present();
  // Gate and up normally share one input; they need two when the reference rounds their
  // activations differently (different weight types on the exact path).
  const bool own_gate_input =
      gated && !kernels::quantizes_activations(gate.dtype) &&
      (kernels::quantizes_activations(up.dtype) ||
       activation_rounding_for(gate.dtype) != activation_rounding_for(up.dtype));
  const ExpertInputs up_in = inputs_for(up.dtype, x, n, E, s, s.rounded, s.x);
  const ExpertInputs gate_in =
      own_gate_input ? inputs_for(gate.dtype, x, n, E, s, s.rounded_gate, s.x_gate) : up_in;

  thread_local std::vector<kernels::MatmulJob> jobs;
  jobs.clear();
  for (int32_t e = 0; e < c.n_expert; ++e) {
    const int32_t b = s.expert_begin[e], m = s.expert_begin[e + 1] - b;
    if (m == 0) continue;
    jobs.push_back({up.dtype, up.matrix(e), F, E, up_in.of(b, m, n, E), m, s.up.data() + b * F, up.layout});
    if (gated)
      jobs.push_back({gate.dtype, gate.matrix(e), F, E, gate_in.of(b, m, n, E), m, s.gate.data() + b * F, gate.layout});
  }
  kernels::matmul_group(jobs);

  const int64_t rows = s.expert_begin[c.n_expert];
  if (gated) {
    ops::gated_activation(c.act, s.gate.data(), s.up.data(), rows * F);
  } else {
    ops::activation(c.act, s.up.data(), rows * F);
  }
  round_for(down.dtype, s.up.data(), rows, F);

  jobs.clear();
  for (int32_t e = 0; e < c.n_expert; ++e) {
    const int32_t b = s.expert_begin[e], m = s.expert_begin[e + 1] - b;
    if (m > 0) jobs.push_back({down.dtype, down.matrix(e), E, F, s.up.data() + b * F, m, s.down.data() + b * E, down.layout});
  }
  kernels::matmul_group(jobs);

  // Sum the experts' outputs in expert order (the order of the reference's accumulation).
  for (int64_t i = 0; i < rows; ++i) {
    float* o = out + static_cast<int64_t>(s.expert_tokens[i]) * E;
    const float* d = s.down.data() + i * E;
    const float w = s.expert_weight[i];
    for (int64_t j = 0; j < E; ++j) o[j] += w * d[j];
  }
}

}  // namespace hearth

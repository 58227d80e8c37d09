// model: golden-style evaluation of a token sequence.
#include "model/evaluation.h"

#include <algorithm>
#include <numeric>

#include "model/ops.h"

namespace hearth {

PositionSummary summarize_logits(std::span<const float> logits, int32_t top_k) {
  PositionSummary s;
  if (logits.empty()) return s;
  s.lse = ops::log_sum_exp(logits);
  const int32_t n = static_cast<int32_t>(logits.size());
  const int32_t k = std::clamp(top_k, 1, n);
  std::vector<TokenId> ids(n);
  std::iota(ids.begin(), ids.end(), 0);
  std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), [&](TokenId a, TokenId b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  s.argmax = ids[0];
  if (top_k > 0) {
    for (int32_t i = 0; i < k; ++i) s.top.emplace_back(ids[i], logits[ids[i]]);
  }
  return s;
}

Result<EvalResult> evaluate_tokens(const Model& model, std::span<const TokenId> tokens,
                                   const EvalOptions& options) {
  if (tokens.empty()) return Status::error("evaluate: no tokens");
  const int32_t n_greedy = std::max(options.n_greedy, 0);
  const int64_t n_ctx = static_cast<int64_t>(tokens.size()) + n_greedy;
  if (n_ctx > (1 << 24)) return Status::errorf("evaluate: {} tokens is too many", n_ctx);
  Context ctx(model, static_cast<int32_t>(n_ctx));
  ctx.set_reference_batching(options.reference_batching);

  EvalResult r;
  r.tokens.assign(tokens.begin(), tokens.end());
  HEARTH_RETURN_IF_ERROR(ctx.eval(tokens, /*all_logits=*/true));
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::span<const float> row = ctx.logits(static_cast<int32_t>(i));
    r.positions.push_back(summarize_logits(row, options.top_k));
    if (options.keep_all_logits) r.all_logits.insert(r.all_logits.end(), row.begin(), row.end());
  }
  std::span<const float> last = ctx.logits(-1);
  r.last_logits.assign(last.begin(), last.end());
  r.n_vocab = static_cast<int64_t>(last.size());

  std::vector<float> logits = r.last_logits;
  for (int32_t step = 0; step < n_greedy; ++step) {
    const PositionSummary s = summarize_logits(logits, 2);
    const float runner_up = s.top.size() > 1 ? s.top[1].second : s.top[0].second;
    r.greedy.push_back(s.argmax);
    r.greedy_top2_logits.push_back({s.top[0].second, runner_up});
    if (step + 1 == n_greedy) break;  // the last choice needs no further decode step
    const TokenId next = s.argmax;
    HEARTH_RETURN_IF_ERROR(ctx.eval(std::span<const TokenId>(&next, 1)));
    std::span<const float> l = ctx.logits(-1);
    logits.assign(l.begin(), l.end());
  }
  return r;
}

nlohmann::ordered_json eval_result_to_json(const EvalResult& r) {
  using json = nlohmann::ordered_json;
  json positions = json::array();
  for (const PositionSummary& p : r.positions) {
    json top = json::array();
    for (const auto& [id, logit] : p.top) top.push_back(json::array({id, logit}));
    positions.push_back({{"argmax", p.argmax}, {"lse", p.lse}, {"top", std::move(top)}});
  }
  json top2 = json::array();
  for (const auto& t : r.greedy_top2_logits) top2.push_back(json::array({t[0], t[1]}));
  return {{"tokens", r.tokens},
          {"positions", std::move(positions)},
          {"last_logits", r.last_logits},
          {"greedy", r.greedy},
          {"greedy_top2_logits", std::move(top2)}};
}

}  // namespace hearth

// engine: token_logprob.
#include "engine/logprobs.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace hearth::engine {
namespace {

float clean(float x) { return std::isnan(x) ? -std::numeric_limits<float>::infinity() : x; }

}  // namespace

TokenLogprob token_logprob(std::span<const float> logits, TokenId chosen, int32_t n_top,
                           const Tokenizer& tokenizer) {
  // log-sum-exp in double, shifted by the maximum for range.
  float max_logit = -std::numeric_limits<float>::infinity();
  for (float x : logits) max_logit = std::max(max_logit, clean(x));
  double sum = 0.0;
  if (std::isfinite(max_logit)) {
    for (float x : logits) sum += std::exp(static_cast<double>(clean(x)) - max_logit);
  }
  const double lse = std::isfinite(max_logit) && sum > 0 ? max_logit + std::log(sum) : 0.0;
  const auto logprob_of = [&](TokenId id) {
    return static_cast<float>(static_cast<double>(clean(logits[id])) - lse);
  };

  TokenLogprob out;
  out.id = chosen;
  out.bytes = tokenizer.token_to_piece(chosen, /*render_special=*/true);
  out.logprob = chosen >= 0 && static_cast<size_t>(chosen) < logits.size()
                    ? logprob_of(chosen)
                    : -std::numeric_limits<float>::infinity();

  const size_t k = std::min<size_t>(static_cast<size_t>(std::max(0, n_top)), logits.size());
  if (k == 0) return out;
  std::vector<TokenId> ids(logits.size());
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<TokenId>(i);
  std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), ids.end(),
                    [&](TokenId a, TokenId b) {
                      const float la = clean(logits[a]), lb = clean(logits[b]);
                      return la > lb || (la == lb && a < b);
                    });
  out.top.reserve(k);
  for (size_t i = 0; i < k; ++i) {
    out.top.push_back({ids[i], tokenizer.token_to_piece(ids[i], true), logprob_of(ids[i])});
  }
  return out;
}

}  // namespace hearth::engine

#include "sampling/sampling_stages.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hearth::sampling {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

float max_logit(const std::vector<Candidate>& c) {
  float m = kNegInf;
  for (const auto& x : c) m = std::max(m, x.logit);
  return m;
}

}  // namespace

void apply_penalties(std::span<float> logits, std::span<const TokenId> recent, float repeat,
                     float presence, float frequency) {
  std::vector<TokenId> ids(recent.begin(), recent.end());
  std::sort(ids.begin(), ids.end());
  const auto n_vocab = static_cast<int64_t>(logits.size());
  for (size_t i = 0; i < ids.size();) {
    size_t j = i;
    while (j < ids.size() && ids[j] == ids[i]) ++j;
    const TokenId id = ids[i];
    const auto count = static_cast<float>(j - i);
    i = j;
    if (id < 0 || id >= n_vocab) continue;
    float& logit = logits[static_cast<size_t>(id)];
    logit = logit <= 0 ? logit * repeat : logit / repeat;
    logit -= count * frequency + presence;
  }
}

TokenId argmax(std::span<const float> logits) {
  if (logits.empty()) return -1;
  size_t best = 0;
  for (size_t i = 1; i < logits.size(); ++i)
    if (logits[i] > logits[best] || std::isnan(logits[best])) best = i;
  return static_cast<TokenId>(best);
}

void fill_candidates(std::span<const float> logits, std::vector<Candidate>& out) {
  out.resize(logits.size());
  for (size_t i = 0; i < logits.size(); ++i)
    out[i] = {static_cast<TokenId>(i), std::isnan(logits[i]) ? kNegInf : logits[i]};
}

void keep_top_k(std::vector<Candidate>& c, int32_t k) {
  if (k <= 0) return;
  const auto keep = std::min(c.size(), static_cast<size_t>(k));
  std::partial_sort(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(keep), c.end(),
                    ranks_before);
  c.resize(keep);
}

void keep_top_p(std::vector<Candidate>& c, float p) {
  if (p >= 1.0f || c.empty()) return;
  const float max = max_logit(c);
  if (!std::isfinite(max)) {  // nothing has any probability: keep the best-ranked one
    keep_top_k(c, 1);
    return;
  }
  double total = 0;
  for (const auto& x : c) total += std::exp(static_cast<double>(x.logit) - max);
  // Sort only as far as needed: the kept prefix is usually short even for a large vocabulary.
  double cumulative = 0;
  size_t sorted = 0;
  for (size_t window = std::min<size_t>(c.size(), 128);; window = std::min(c.size(), window * 4)) {
    std::partial_sort(c.begin() + static_cast<std::ptrdiff_t>(sorted),
                      c.begin() + static_cast<std::ptrdiff_t>(window), c.end(), ranks_before);
    for (; sorted < window; ++sorted) {
      cumulative += std::exp(static_cast<double>(c[sorted].logit) - max) / total;
      if (cumulative >= p) {
        c.resize(sorted + 1);
        return;
      }
    }
    if (window == c.size()) return;  // rounding left the sum just under p: keep everything
  }
}

void keep_min_p(std::vector<Candidate>& c, float min_p) {
  if (min_p <= 0.0f || c.empty()) return;
  const float threshold = max_logit(c) + std::log(min_p);  // p_i >= min_p * p_max, in logits
  const auto kept = std::stable_partition(c.begin(), c.end(), [&](const Candidate& x) {
    return x.logit >= threshold;
  });
  if (kept == c.begin()) {  // min_p > 1, or all -inf: keep the single best
    keep_top_k(c, 1);
    return;
  }
  c.erase(kept, c.end());
}

void apply_temperature(std::vector<Candidate>& c, float temperature) {
  for (auto& x : c) x.logit /= temperature;
}

TokenId draw(const std::vector<Candidate>& c, std::mt19937& rng) {
  const float max = max_logit(c);
  if (!std::isfinite(max)) return std::min_element(c.begin(), c.end(), ranks_before)->id;
  double total = 0;
  for (const auto& x : c) total += std::exp(static_cast<double>(x.logit) - max);
  const double target = static_cast<double>(rng()) * 0x1p-32 * total;  // in [0, total)
  double cumulative = 0;
  for (const auto& x : c) {
    const double weight = std::exp(static_cast<double>(x.logit) - max);
    cumulative += weight;
    if (target < cumulative) return x.id;
  }
  // Rounding left target at the very top: the last candidate that has any weight.
  for (auto it = c.rbegin(); it != c.rend(); ++it)
    if (it->logit > kNegInf) return it->id;
  return c.front().id;
}

}  // namespace hearth::sampling

#include "sampling/sampler.h"

#include <cmath>

#include "base/check.h"

namespace hearth::sampling {
namespace {

uint32_t resolve_seed(uint32_t seed) {
  if (seed != kRandomSeed) return seed;
  std::random_device device;
  return device();
}

}  // namespace

Status validate_params(const SamplingParams& p) {
  if (!std::isfinite(p.temperature))
    return Status::errorf("temperature must be a finite number (<= 0 for greedy), got {}",
                          p.temperature);
  if (!(p.top_p >= 0.0f && p.top_p <= 1.0f))
    return Status::errorf("top_p must be in [0, 1], got {}", p.top_p);
  if (!(p.min_p >= 0.0f && p.min_p <= 1.0f))
    return Status::errorf("min_p must be in [0, 1], got {}", p.min_p);
  if (!(std::isfinite(p.repeat_penalty) && p.repeat_penalty > 0.0f))
    return Status::errorf("repeat_penalty must be > 0 (1 = off), got {}", p.repeat_penalty);
  if (!std::isfinite(p.presence_penalty))
    return Status::errorf("presence_penalty must be finite, got {}", p.presence_penalty);
  if (!std::isfinite(p.frequency_penalty))
    return Status::errorf("frequency_penalty must be finite, got {}", p.frequency_penalty);
  if (p.penalty_last_n < -1)
    return Status::errorf("penalty_last_n must be >= -1 (-1 = all, 0 = off), got {}",
                          p.penalty_last_n);
  return Status::ok();
}

Sampler::Sampler(SamplingParams params)
    : params_(params), seed_(resolve_seed(params.seed)), rng_(seed_) {}

bool Sampler::penalties_on() const {
  return params_.penalty_last_n != 0 &&
         (params_.repeat_penalty != 1.0f || params_.presence_penalty != 0.0f ||
          params_.frequency_penalty != 0.0f);
}

std::span<const TokenId> Sampler::penalty_window() const {
  if (params_.penalty_last_n == 0) return {};
  std::span<const TokenId> all(history_);
  if (params_.penalty_last_n < 0 || all.size() <= static_cast<size_t>(params_.penalty_last_n))
    return all;
  return all.last(static_cast<size_t>(params_.penalty_last_n));
}

void Sampler::accept(TokenId token) {
  if (params_.penalty_last_n == 0) return;
  history_.push_back(token);
  // Trim in batches so that accepting stays O(1) amortised.
  const auto keep = static_cast<size_t>(params_.penalty_last_n);
  if (params_.penalty_last_n > 0 && history_.size() >= 2 * keep + 64)
    history_.erase(history_.begin(), history_.end() - static_cast<std::ptrdiff_t>(keep));
}

void Sampler::accept(std::span<const TokenId> tokens) {
  for (TokenId t : tokens) accept(t);
}

void Sampler::reset() {
  history_.clear();
  rng_.seed(seed_);
}

TokenId Sampler::sample(std::span<const float> logits) {
  HEARTH_CHECK(!logits.empty());
  logits_.assign(logits.begin(), logits.end());
  if (penalties_on())
    apply_penalties(logits_, penalty_window(), params_.repeat_penalty, params_.presence_penalty,
                    params_.frequency_penalty);
  if (params_.temperature <= 0.0f) return argmax(logits_);

  fill_candidates(logits_, candidates_);
  keep_top_k(candidates_, params_.top_k);
  keep_top_p(candidates_, params_.top_p);
  keep_min_p(candidates_, params_.min_p);
  apply_temperature(candidates_, params_.temperature);
  return draw(candidates_, rng_);
}

}  // namespace hearth::sampling

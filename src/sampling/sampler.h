// sampling: picks the next token from a logits span: penalties, top-k, top-p, min-p,
// temperature, then a seeded draw (or greedy). Depends only on base.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "base/status.h"
#include "sampling/sampling_stages.h"

namespace hearth::sampling {

// A seed value that asks for a random seed (from std::random_device), as in llama.cpp.
inline constexpr uint32_t kRandomSeed = 0xFFFFFFFFu;

struct SamplingParams {
  float temperature = 0.8f;       // <= 0: greedy (argmax after penalties)
  int32_t top_k = 40;             // <= 0: off
  float top_p = 0.95f;            // >= 1: off
  float min_p = 0.05f;            // <= 0: off
  float repeat_penalty = 1.0f;    // 1: off
  float presence_penalty = 0.0f;  // subtracted once from every token seen in the window
  float frequency_penalty = 0.0f; // subtracted per occurrence in the window
  int32_t penalty_last_n = 64;    // window of accepted tokens the penalties see; 0 off, -1 all
  uint32_t seed = kRandomSeed;    // same seed + same logits + same history => same tokens
};

// Checks ranges (for parameters that come from users, e.g. a server request); the message
// names the field, the allowed range and the value.
Status validate_params(const SamplingParams& params);

class Sampler {
 public:
  explicit Sampler(SamplingParams params = {});

  // Picks a token from logits (one per vocabulary entry, not empty) in this order:
  // penalties, then greedy if temperature <= 0, else top-k, top-p, min-p, temperature and a
  // draw from the seeded generator. Does not record the token: call accept() for that.
  TokenId sample(std::span<const float> logits);

  // Records a token (of the prompt or generated) for the penalties.
  void accept(TokenId token);
  void accept(std::span<const TokenId> tokens);

  // Forgets the history and restarts the generator from the seed.
  void reset();

  const SamplingParams& params() const { return params_; }
  uint32_t seed() const { return seed_; }  // the seed in use (the random one if asked for)

  // The window of accepted tokens the penalties currently see, oldest first.
  std::span<const TokenId> penalty_window() const;

 private:
  bool penalties_on() const;

  SamplingParams params_;
  uint32_t seed_;
  std::mt19937 rng_;
  std::vector<TokenId> history_;  // trimmed to penalty_last_n now and then
  std::vector<float> logits_;     // scratch: penalised copy of the input
  std::vector<Candidate> candidates_;
};

}  // namespace hearth::sampling

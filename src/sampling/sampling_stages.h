// sampling: the stages of the sampler chain as free functions over a candidate list, so that
// each can be tested (and reordered) on its own. Semantics follow llama.cpp's samplers.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace hearth {
using TokenId = int32_t;  // same alias as tokenizer/tokenizer.h (sampling depends only on base)
}

namespace hearth::sampling {

struct Candidate {
  TokenId id;
  float logit;
};

// Higher logit first; equal logits by lower id, so that every stage is deterministic.
inline bool ranks_before(const Candidate& a, const Candidate& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

// Repetition, presence and frequency penalties over the tokens in `recent` (ids outside
// `logits` are ignored). For each distinct token seen `count` times: a positive logit is
// divided by `repeat`, a non-positive one multiplied by it; then count * frequency + presence
// is subtracted.
void apply_penalties(std::span<float> logits, std::span<const TokenId> recent, float repeat,
                     float presence, float frequency);

// The index of the highest logit; the lowest such index on ties. NaN never wins.
// -1 only for an empty span.
TokenId argmax(std::span<const float> logits);

// All tokens as candidates, in id order. NaN logits become -inf.
void fill_candidates(std::span<const float> logits, std::vector<Candidate>& out);

// Keeps the k best candidates, sorted best first (k >= size sorts them all). k <= 0 keeps all
// in their order.
void keep_top_k(std::vector<Candidate>& c, int32_t k);

// Keeps the shortest best-first prefix whose softmax probability mass reaches p (at least one
// candidate), sorted best first. p >= 1 keeps all (order unchanged).
void keep_top_p(std::vector<Candidate>& c, float p);

// Keeps candidates whose probability is at least min_p times the best one's (at least one).
// min_p <= 0 keeps all. Order is preserved.
void keep_min_p(std::vector<Candidate>& c, float min_p);

// Divides every logit by temperature (> 0).
void apply_temperature(std::vector<Candidate>& c, float temperature);

// Draws a candidate with probability softmax(logit) from one 32-bit output of rng (the
// mapping from that output to a token is fixed here, not left to the standard library, so a
// seed gives the same tokens on every platform). c must not be empty.
TokenId draw(const std::vector<Candidate>& c, std::mt19937& rng);

}  // namespace hearth::sampling

// model: evaluating a token sequence the way the golden files record it: logits at every
// prompt position (argmax, log-sum-exp, top-k), the last logits, and a greedy continuation.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "model/model.h"

namespace hearth {

struct PositionSummary {
  TokenId argmax = -1;
  double lse = 0.0;                               // log-sum-exp of the logits
  std::vector<std::pair<TokenId, float>> top;     // highest logits first
};

struct EvalResult {
  std::vector<TokenId> tokens;
  std::vector<PositionSummary> positions;         // one per token
  std::vector<float> last_logits;                 // logits at the last prompt position
  std::vector<TokenId> greedy;                    // one decode step per token, EOS not special
  std::vector<std::array<float, 2>> greedy_top2_logits;  // [chosen, runner-up] per step
  std::vector<float> all_logits;  // [n_tokens][n_vocab], only with EvalOptions::keep_all_logits
  int64_t n_vocab = 0;

  std::span<const float> logits_at(size_t i) const {
    return {all_logits.data() + i * n_vocab, static_cast<size_t>(n_vocab)};
  }
};

struct EvalOptions {
  int32_t n_greedy = 16;
  int32_t top_k = 10;
  bool keep_all_logits = false;  // keep every position's full logits (for comparisons)
  // Prompts of 64+ tokens attend as llama.cpp's batches do (Context::set_reference_batching).
  bool reference_batching = true;
};

// Argmax, log-sum-exp and the top_k (id, logit) pairs of one logits row (ties: lower id first).
PositionSummary summarize_logits(std::span<const float> logits, int32_t top_k);

// Runs `tokens` as one batch with logits for every position, then n_greedy greedy steps one
// token at a time, in a fresh context sized for exactly that.
Result<EvalResult> evaluate_tokens(const Model& model, std::span<const TokenId> tokens,
                                   const EvalOptions& options);

// The golden-file field names: tokens, positions [{argmax, lse, top}], last_logits, greedy,
// greedy_top2_logits.
nlohmann::ordered_json eval_result_to_json(const EvalResult& r);

}  // namespace hearth

// model: golden files (reference logits, greedy continuations, embeddings from llama.cpp) and
// the checks that compare a model with them, within the tolerances of testdata/README.md.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "model/evaluation.h"
#include "model/model.h"

namespace hearth {

struct GoldenCase {
  std::string text;
  bool chat = false;
  std::vector<TokenId> tokens;
  std::vector<PositionSummary> positions;          // one per token
  std::vector<float> last_logits;
  std::vector<TokenId> greedy;
  std::vector<std::array<float, 2>> greedy_top2_logits;
  std::vector<float> embedding;                    // encoder goldens only
};

struct Golden {
  std::string model;      // the file it was made from
  std::string reference;  // "llama.cpp d775b8967"
  int32_t n_vocab = 0;
  std::vector<GoldenCase> cases;
  bool is_embedding() const { return !cases.empty() && !cases.front().embedding.empty(); }
};

// Parses and validates a golden file; errors name the case and field.
Result<Golden> load_golden(const std::string& path);
Result<Golden> parse_golden(const nlohmann::json& j);

struct Tolerance {
  float logit = 0.05f;              // |Δ| allowed on a logit or log-sum-exp
  double max_off_fraction = 0.02;   // of positions
  double min_cosine = 0.9999;       // embeddings
  bool quantised = false;
  bool moe = false;
};
// 0.05 for F32/F16/BF16 weights, 0.4 when any matrix is quantised; 2% of positions may be off
// for dense models, 10% for MoE; embeddings need cosine 0.9999 (dense) or 0.999 (quantised).
Tolerance tolerance_for(const Model& model);

struct CaseCheck {
  std::string text;
  // 1. tokens: tokenising the text gives exactly the reference's ids.
  bool tokens_checked = false, tokens_ok = true;
  std::string tokens_note;  // first difference
  int32_t n_tokens = 0;
  // 2. positions (every prompt position plus the last logits as one more).
  int32_t n_positions = 0, n_off = 0, first_off = -1;
  double max_dlogit = 0.0;  // over the compared logits: top-5 ids of every position, all last
  double max_dlse = 0.0;
  bool positions_ok = true;
  // 3. greedy: identical up to the first step whose reference top-2 margin is below tol.
  int32_t greedy_required = 0, greedy_matched = 0;
  bool greedy_ok = true;
  // 4. embeddings.
  bool is_embedding = false;
  double cosine = 0.0;
  bool embedding_ok = true;

  bool pass() const { return tokens_ok && positions_ok && greedy_ok && embedding_ok; }
};

// Compares our evaluation of g.tokens with the reference case. our_tokens: tokenisation of
// g.text by the model (empty span with tokens_checked=false to skip that check).
CaseCheck check_logits_case(const GoldenCase& g, const EvalResult& ours,
                            std::span<const TokenId> our_tokens, bool tokens_checked,
                            const Tolerance& tol);
CaseCheck check_embedding_case(const GoldenCase& g, std::span<const float> ours,
                               std::span<const TokenId> our_tokens, bool tokens_checked,
                               const Tolerance& tol);

struct VerifyReport {
  std::string model_name;   // the model file verified
  std::string golden_name;  // the golden file (or the model it was made from)
  Tolerance tol;
  std::vector<CaseCheck> cases;
  double max_dlogit = 0.0;
  bool pass() const;
};

// Runs every case of `golden` on `model`: tokenises its text (checked against the reference
// ids), evaluates the reference ids and compares. check_tokens=false skips tokenisation.
Result<VerifyReport> verify_golden(const Model& model, const Golden& golden,
                                   bool check_tokens = true);

// Human-readable table per case and a summary line.
std::string format_report(const VerifyReport& report);
nlohmann::ordered_json report_to_json(const VerifyReport& report);

}  // namespace hearth

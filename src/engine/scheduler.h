// engine: the per-step plan. Every active sequence competes for one token budget: decoding
// sequences get one token each first (so a long prompt never stalls them), then prompts get
// chunks of what is left, oldest request first (vLLM v1's policy, no separate prefill phase).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace hearth::engine {

struct SlotDemand {
  int slot = 0;
  uint64_t admitted = 0;        // admission order: lower is older
  bool decoding = false;        // wants exactly one token
  int32_t prompt_left = 0;      // prompt tokens not yet evaluated (when not decoding)
  // The next unit of work cannot be split (an encoder input): it runs whole or not at all;
  // prompt_left is its size.
  bool indivisible = false;
};

struct SlotWork {
  int slot = 0;
  int32_t n_tokens = 0;  // 1 for a decode step
};

class Scheduler {
 public:
  // budget: tokens per step (at least 1).
  explicit Scheduler(int32_t budget);

  // The work for one step: a subset of `demands` with their token counts, decoders first.
  // When there are more decoders than budget, they take turns across steps. The first demand
  // that gets any budget always runs (an indivisible unit larger than the whole budget runs
  // alone), so every sequence makes progress.
  std::vector<SlotWork> plan(std::span<const SlotDemand> demands);

  int32_t budget() const { return budget_; }

 private:
  int32_t budget_;
  uint64_t decode_turn_ = 0;  // rotates which decoders go first when the budget is short
};

}  // namespace hearth::engine

// engine: Scheduler::plan.
#include "engine/scheduler.h"

#include <algorithm>

namespace hearth::engine {

Scheduler::Scheduler(int32_t budget) : budget_(std::max<int32_t>(1, budget)) {}

std::vector<SlotWork> Scheduler::plan(std::span<const SlotDemand> demands) {
  std::vector<const SlotDemand*> decoders, prompts;
  for (const SlotDemand& d : demands) {
    if (d.decoding) {
      decoders.push_back(&d);
    } else if (d.prompt_left > 0) {
      prompts.push_back(&d);
    }
  }
  const auto older = [](const SlotDemand* a, const SlotDemand* b) {
    return a->admitted < b->admitted;
  };
  std::sort(decoders.begin(), decoders.end(), older);
  std::sort(prompts.begin(), prompts.end(), older);

  std::vector<SlotWork> work;
  int32_t left = budget_;
  // Decoders: one token each; when they outnumber the budget, start from a rotating position.
  if (!decoders.empty()) {
    const size_t n = decoders.size();
    const size_t first = static_cast<size_t>(decode_turn_ % n);
    const size_t taken = std::min<size_t>(n, static_cast<size_t>(left));
    for (size_t i = 0; i < taken; ++i) work.push_back({decoders[(first + i) % n]->slot, 1});
    left -= static_cast<int32_t>(taken);
    if (taken < n) decode_turn_ += taken;
  }
  // Prompts: oldest first, each a chunk of what is left.
  for (const SlotDemand* d : prompts) {
    if (d->indivisible) {
      if (d->prompt_left <= left || work.empty()) {
        work.push_back({d->slot, d->prompt_left});
        left -= std::min(left, d->prompt_left);
      }
    } else if (left > 0) {
      const int32_t n = std::min(left, d->prompt_left);
      work.push_back({d->slot, n});
      left -= n;
    }
    if (left <= 0) break;
  }
  return work;
}

}  // namespace hearth::engine

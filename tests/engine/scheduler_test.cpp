// Scheduler: decoders first, prompts share what is left of the budget, nobody starves.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "engine/scheduler.h"

namespace hearth::engine {
namespace {

std::map<int, int32_t> as_map(const std::vector<SlotWork>& w) {
  std::map<int, int32_t> m;
  for (const SlotWork& x : w) m[x.slot] += x.n_tokens;
  return m;
}

SlotDemand decoder(int slot, uint64_t admitted) {
  return {.slot = slot, .admitted = admitted, .decoding = true};
}
SlotDemand prompt(int slot, uint64_t admitted, int32_t left) {
  return {.slot = slot, .admitted = admitted, .prompt_left = left};
}

TEST(Scheduler, DecodersFirstThenOldestPromptChunks) {
  Scheduler s(16);
  const std::vector<SlotDemand> d = {prompt(0, 5, 100), decoder(1, 9), prompt(2, 3, 10),
                                     decoder(3, 1)};
  const auto w = s.plan(d);
  // Decoders lead the step, then the oldest prompt (slot 2) gets all it needs, slot 0 the rest.
  ASSERT_EQ(w.size(), 4u);
  EXPECT_TRUE(w[0].slot == 3 || w[0].slot == 1);
  EXPECT_EQ(w[0].n_tokens, 1);
  EXPECT_EQ(w[1].n_tokens, 1);
  EXPECT_EQ(w[2].slot, 2);
  EXPECT_EQ(w[2].n_tokens, 10);
  EXPECT_EQ(w[3].slot, 0);
  EXPECT_EQ(w[3].n_tokens, 4);
}

TEST(Scheduler, ALongPromptNeverStallsDecoders) {
  Scheduler s(8);
  std::vector<SlotDemand> d = {prompt(0, 1, 1000)};
  for (int i = 1; i <= 3; ++i) d.push_back(decoder(i, 1 + i));
  const auto m = as_map(s.plan(d));
  EXPECT_EQ(m.at(1), 1);
  EXPECT_EQ(m.at(2), 1);
  EXPECT_EQ(m.at(3), 1);
  EXPECT_EQ(m.at(0), 5);  // the prompt advances with what is left
}

TEST(Scheduler, DecodersTakeTurnsWhenTheBudgetIsShort) {
  Scheduler s(2);
  std::vector<SlotDemand> d;
  for (int i = 0; i < 5; ++i) d.push_back(decoder(i, i));
  std::map<int, int> runs;
  for (int step = 0; step < 5; ++step) {
    const auto w = s.plan(d);
    EXPECT_EQ(w.size(), 2u);
    for (const auto& x : w) ++runs[x.slot];
  }
  for (int i = 0; i < 5; ++i) EXPECT_EQ(runs[i], 2) << "slot " << i;
}

TEST(Scheduler, IndivisibleWorkRunsWholeOrWaits) {
  Scheduler s(10);
  SlotDemand big = {.slot = 0, .admitted = 1, .prompt_left = 30, .indivisible = true};
  SlotDemand small = {.slot = 1, .admitted = 2, .prompt_left = 4, .indivisible = true};
  // Alone, an input larger than the budget still runs (progress).
  auto w = s.plan(std::vector<SlotDemand>{big});
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].n_tokens, 30);
  // Behind a decoder it waits for a step of its own; the smaller one fits.
  w = s.plan(std::vector<SlotDemand>{decoder(2, 0), big, small});
  const auto m = as_map(w);
  EXPECT_EQ(m.count(0), 0u);
  EXPECT_EQ(m.at(1), 4);
  EXPECT_EQ(m.at(2), 1);
}

TEST(Scheduler, NothingToDo) {
  Scheduler s(0);  // clamped to 1
  EXPECT_EQ(s.budget(), 1);
  EXPECT_TRUE(s.plan({}).empty());
  EXPECT_TRUE(s.plan(std::vector<SlotDemand>{prompt(0, 0, 0)}).empty());
}

}  // namespace
}  // namespace hearth::engine

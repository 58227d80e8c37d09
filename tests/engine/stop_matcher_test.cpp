// StopMatcher and Event merging: stop strings split across pieces, held-back tails.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/request.h"
#include "engine/stop_matcher.h"

namespace hearth::engine {
namespace {

// Feeds `pieces` one by one and returns everything emitted (plus the flush).
std::string run(StopMatcher& m, const std::vector<std::string>& pieces) {
  std::string out;
  for (const auto& p : pieces) out += m.push(p);
  return out + m.flush();
}

TEST(StopMatcher, CutsAtAStopSplitAcrossPieces) {
  StopMatcher m({"</end>"});
  std::string out = m.push("Hello </");
  EXPECT_EQ(out, "Hello ");  // "</" could begin the stop string
  out += m.push("en");
  EXPECT_EQ(out, "Hello ");
  out += m.push("d> and more");
  EXPECT_TRUE(m.stopped());
  EXPECT_EQ(out, "Hello ");
  EXPECT_EQ(m.push("ignored"), "");
  EXPECT_EQ(m.flush(), "");
}

TEST(StopMatcher, ReleasesAFalseStart) {
  StopMatcher m({"STOP"});
  EXPECT_EQ(m.push("a ST"), "a ");
  EXPECT_EQ(m.push("OP"), "");
  EXPECT_TRUE(m.stopped());
  StopMatcher n({"STOP"});
  EXPECT_EQ(run(n, {"a ST", "AR"}), "a STAR");
  EXPECT_FALSE(n.stopped());
  StopMatcher tail({"STOP"});
  EXPECT_EQ(run(tail, {"end ST"}), "end ST");  // the end of generation releases the tail
}

TEST(StopMatcher, TheEarliestOfSeveralStopsWins) {
  StopMatcher m({"world", "lo"});
  EXPECT_EQ(run(m, {"hello world"}), "hel");
  EXPECT_TRUE(m.stopped());
}

TEST(StopMatcher, MultibyteAndEmptyStops) {
  StopMatcher m({"", "東京"});
  std::string out = m.push("fly to 東");
  EXPECT_EQ(out, "fly to ");
  out += m.push("京 now");
  EXPECT_EQ(out, "fly to ");
  StopMatcher none({""});
  EXPECT_EQ(run(none, {"abc", "def"}), "abcdef");
  EXPECT_FALSE(none.stopped());
}

TEST(Event, MergeAppendsAndTakesTheEnd) {
  Event a;
  a.text = "ab";
  a.tokens = {1, 2};
  Event b;
  b.text = "c";
  b.tokens = {3};
  b.finish = FinishReason::kLength;
  b.usage.completion_tokens = 3;
  a.merge(std::move(b));
  EXPECT_EQ(a.text, "abc");
  EXPECT_EQ(a.tokens, (std::vector<TokenId>{1, 2, 3}));
  EXPECT_TRUE(a.done());
  EXPECT_EQ(a.usage.completion_tokens, 3);
  EXPECT_EQ(finish_reason_name(a.finish), "length");
}

}  // namespace
}  // namespace hearth::engine

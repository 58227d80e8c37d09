#include "base/status.h"

#include <gtest/gtest.h>

#include "base/checked_math.h"

namespace hearth {
namespace {

Result<int> parse_positive(int x) {
  if (x <= 0) return Status::errorf("value {} is not positive", x);
  return x;
}

Result<int> doubled(int x) {
  HEARTH_ASSIGN_OR_RETURN(int v, parse_positive(x));
  return v * 2;
}

TEST(Status, PropagatesErrorsAndValues) {
  EXPECT_EQ(doubled(4).value(), 8);
  auto r = doubled(-1);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.message(), "value -1 is not positive");
  EXPECT_EQ(r.status().with_context("reading x").message(), "reading x: value -1 is not positive");
}

TEST(CheckedMath, DetectsOverflow) {
  EXPECT_FALSE(checked_add(UINT64_MAX, 1).has_value());
  EXPECT_FALSE(checked_mul(UINT64_MAX / 2, 3).has_value());
  EXPECT_EQ(*checked_align_up(33, 32), 64u);
  EXPECT_FALSE(checked_align_up(UINT64_MAX - 3, 32).has_value());
}

}  // namespace
}  // namespace hearth

// The interleaved layout (kernels/interleave.h): a permutation of each group's bytes that
// deinterleave_row undoes, with the documented offsets.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "kernels/interleave.h"
#include "tensor/dtype.h"

namespace hearth::kernels {
namespace {

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

TEST(Interleave, EveryRowComesBackUnchanged) {
  for (DType type : {DType::Q4_0, DType::Q8_0, DType::Q4_K, DType::Q6_K}) {
    ASSERT_TRUE(has_interleaved_layout(type));
    const int64_t rows = 24, cols = 512;
    const auto rb = static_cast<int64_t>(*row_bytes(type, cols));
    const std::vector<uint8_t> plain = random_bytes(static_cast<size_t>(rows * rb), 7);
    std::vector<uint8_t> packed(plain.size());
    interleave_rows(type, plain.data(), rows, cols, packed.data());
    EXPECT_NE(packed, plain) << dtype_name(type);
    std::vector<uint8_t> row(static_cast<size_t>(rb));
    for (int64_t r = 0; r < rows; ++r) {
      deinterleave_row(type, packed.data(), r, cols, row.data());
      ASSERT_EQ(0, std::memcmp(row.data(), plain.data() + r * rb, static_cast<size_t>(rb)))
          << dtype_name(type) << " row " << r;
    }
  }
}

TEST(Interleave, Q4_KGroupLayout) {
  // Block b of group g: d[8] | dmin[8] | scale words a0[8] a1[8] a2[8] | qs units of 4 bytes.
  const int64_t rows = 16, cols = 512, bb = 144, rb = 2 * bb;
  std::vector<uint8_t> plain = random_bytes(static_cast<size_t>(rows * rb), 9);
  std::vector<uint8_t> packed(plain.size());
  interleave_rows(DType::Q4_K, plain.data(), rows, cols, packed.data());
  const int64_t g = 1, b = 1, r = 5;
  const uint8_t* block = plain.data() + (8 * g + r) * rb + b * bb;
  const uint8_t* group_block = packed.data() + g * 8 * rb + b * 8 * bb;
  EXPECT_EQ(0, std::memcmp(group_block + 2 * r, block, 2));             // d
  EXPECT_EQ(0, std::memcmp(group_block + 16 + 2 * r, block + 2, 2));    // dmin
  EXPECT_EQ(0, std::memcmp(group_block + 64 + 4 * r, block + 8, 4));    // a1
  EXPECT_EQ(0, std::memcmp(group_block + 128 + 32 * 9 + 4 * r, block + 16 + 36, 4));  // qs unit 9
}

TEST(Interleave, OnlyTypesWithALayout) {
  EXPECT_FALSE(has_interleaved_layout(DType::F16));
  EXPECT_FALSE(has_interleaved_layout(DType::Q5_K));
}

}  // namespace
}  // namespace hearth::kernels

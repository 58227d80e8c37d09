// Quantising activation rows to Q8_0 / Q8_K: the scalar twin against the format's definition,
// and every SIMD quantiser against the twin, byte for byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/kernel_table.h"
#include "kernels/quant_act.h"
#include "kernels/ref/ref_q8.h"
#include "tensor/fp16.h"

namespace hearth::kernels {
namespace {

// A 64-byte aligned, zeroed activation row buffer.
struct ActBuffer {
  ActBuffer(ActFormat f, int64_t cols, int64_t rows = 1)
      : row_bytes(act_row_bytes(f, cols)),
        storage(static_cast<size_t>(row_bytes * rows + 64), 0) {}
  uint8_t* row(int64_t i = 0) {
    auto p = reinterpret_cast<uintptr_t>(storage.data());
    return reinterpret_cast<uint8_t*>((p + 63) / 64 * 64) + i * row_bytes;
  }
  int64_t row_bytes;
  std::vector<uint8_t> storage;
};

TEST(QuantizeQ8_0, FollowsTheDefinition) {
  // 320 elements: a full group of 8 blocks and a partial one (2 blocks).
  std::vector<float> x(320, 0.0f);
  for (int j = 0; j < 32; ++j) x[j] = static_cast<float>(j - 16) * 0.25f;  // amax 4 at j = 0
  for (int j = 288; j < 320; ++j) x[j] = static_cast<float>(j % 7) - 3.0f;  // amax 3
  // block 1 (elements 32..63) stays zero
  ActBuffer buf(ActFormat::kQ8_0, 320);
  ref::quantize_row_q8_0(x.data(), 320, buf.row());
  const uint8_t* row = buf.row();
  for (int b : {0, 9}) {
    float amax = 0.0f;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[32 * b + j]));
    EXPECT_EQ(*q8_0_d(row, b), fp16_to_f32(f32_to_fp16(amax / 127.0f))) << b;
    int sum = 0;
    for (int j = 0; j < 32; ++j) {
      EXPECT_EQ(q8_0_qs(row, b)[j], static_cast<int>(std::nearbyint(x[32 * b + j] * (127.0f / amax))))
          << b << " " << j;
      sum += q8_0_qs(row, b)[j];
    }
    EXPECT_EQ(*q8_0_s(row, b), *q8_0_d(row, b) * static_cast<float>(sum)) << b;
  }
  EXPECT_EQ(q8_0_qs(row, 0)[0], -127);
  EXPECT_EQ(*q8_0_d(row, 1), 0.0f);
  EXPECT_EQ(*q8_0_s(row, 1), 0.0f);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(q8_0_qs(row, 1)[j], 0);
  // Layout: groups of 8 blocks, 320 bytes each: codes, then the 8 scales, then the 8 sums.
  EXPECT_EQ(reinterpret_cast<const uint8_t*>(q8_0_qs(row, 9)), row + 320 + 32);
  EXPECT_EQ(reinterpret_cast<const uint8_t*>(q8_0_d(row, 9)), row + 320 + 256 + 4);
  EXPECT_EQ(reinterpret_cast<const uint8_t*>(q8_0_s(row, 9)), row + 320 + 288 + 4);
}

TEST(QuantizeQ8_K, ScalesByTheLargestMagnitudeWithItsSign) {
  std::vector<float> x(512);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (auto& v : x) v = u(rng);
  x[256 + 77] = -3.0f;  // the largest magnitude of super-block 1, negative
  ActBuffer buf(ActFormat::kQ8_K, 512);
  ref::quantize_row_q8_k(x.data(), 512, buf.row());
  const uint8_t* row = buf.row();
  const float iscale = -127.0f / -3.0f;
  EXPECT_EQ(*q8_k_d(row, 1), 1.0f / iscale);
  EXPECT_EQ(q8_k_qs(row, 1)[77], -127);  // the largest magnitude maps to -127 whatever its sign
  for (int j = 0; j < 256; ++j) {
    EXPECT_EQ(q8_k_qs(row, 1)[j], static_cast<int>(std::nearbyint(iscale * x[256 + j]))) << j;
    EXPECT_NEAR(*q8_k_d(row, 1) * q8_k_qs(row, 1)[j], x[256 + j], 0.5f * std::fabs(*q8_k_d(row, 1)) * 1.0001f) << j;
  }
  for (int sb = 0; sb < 2; ++sb) {
    for (int g = 0; g < 16; ++g) {
      int sum = 0;
      for (int j = 16 * g; j < 16 * g + 16; ++j) sum += q8_k_qs(row, sb)[j];
      EXPECT_EQ(q8_k_bsums(row, sb)[g], sum) << sb << " " << g;
    }
  }
  EXPECT_EQ(reinterpret_cast<const uint8_t*>(q8_k_qs(row, 1)), row + 320);
}

// Rows that exercise rounding ties, zero blocks, tiny and large scales, and the sign choice.
std::vector<float> awkward_row(int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::uniform_int_distribution<int> kind(0, 5);
  std::vector<float> x(static_cast<size_t>(cols));
  for (int64_t b = 0; b < cols; b += 32) {
    const int k = kind(rng);
    const float scale = k == 0 ? 0.0f : k == 1 ? 1e-6f : k == 2 ? 3e4f : 1.0f;
    for (int64_t j = b; j < b + 32; ++j) {
      // k == 3: multiples of amax / 254 land exactly on rounding ties.
      x[j] = k == 3 ? static_cast<float>(static_cast<int>(u(rng) * 127)) * 0.5f : scale * u(rng);
    }
    if (k == 4) {  // equal magnitudes of both signs
      x[b + 5] = -2.0f;
      x[b + 7] = 2.0f;
    }
  }
  return x;
}

class SimdQuantizers : public ::testing::TestWithParam<const char*> {};

TEST_P(SimdQuantizers, MatchTheTwinByteForByte) {
  const KernelTable* table = kernels_for_isa(GetParam());
  if (table == nullptr || table->quantize_q8_0 == nullptr) GTEST_SKIP() << GetParam() << " not available";
  for (int64_t cols : {256, 288, 512, 4096}) {  // 288: a partial group of Q8_0 blocks
    for (uint32_t seed = 1; seed <= 8; ++seed) {
      const std::vector<float> x = awkward_row(cols, seed);
      for (ActFormat f : {ActFormat::kQ8_0, ActFormat::kQ8_K}) {
        if (cols % act_block_elems(f) != 0) continue;
        ActBuffer want(f, cols), got(f, cols);
        (f == ActFormat::kQ8_0 ? ref::quantize_row_q8_0 : ref::quantize_row_q8_k)(x.data(), cols, want.row());
        table->quantizer(f)(x.data(), cols, got.row());
        ASSERT_EQ(std::memcmp(want.row(), got.row(), static_cast<size_t>(want.row_bytes)), 0)
            << (f == ActFormat::kQ8_0 ? "Q8_0" : "Q8_K") << " cols " << cols << " seed " << seed;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Isas, SimdQuantizers, ::testing::Values("avx2", "avx512"));

}  // namespace
}  // namespace hearth::kernels

// Quantising activation rows to Q8_0 / Q8_K: the scalar twin against the format's definition,
// and every SIMD quantiser against the twin, byte for byte.
#include <gtest/gtest.h>

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
  std::vector<float> x(64);
  for (int j = 0; j < 32; ++j) x[j] = static_cast<float>(j - 16) * 0.25f;  // amax 4 at j = 0
  for (int j = 32; j < 64; ++j) x[j] = 0.0f;                              // an all-zero block
  ActBuffer buf(ActFormat::kQ8_0, 64);
  ref::quantize_row_q8_0(x.data(), 64, buf.row());
  const Q8_0CRow r = q8_0_row(static_cast<const uint8_t*>(buf.row()), 64);
  EXPECT_EQ(r.d[0], fp16_to_f32(f32_to_fp16(4.0f / 127.0f)));
  int sum = 0;
  for (int j = 0; j < 32; ++j) {
    EXPECT_EQ(r.qs[j], static_cast<int>(std::nearbyint(x[j] * (127.0f / 4.0f)))) << j;
    sum += r.qs[j];
  }
  EXPECT_EQ(r.qs[0], -127);
  EXPECT_EQ(r.s[0], r.d[0] * static_cast<float>(sum));
  EXPECT_EQ(r.d[1], 0.0f);
  EXPECT_EQ(r.s[1], 0.0f);
  for (int j = 32; j < 64; ++j) EXPECT_EQ(r.qs[j], 0);
}

TEST(QuantizeQ8_K, ScalesByTheLargestMagnitudeWithItsSign) {
  std::vector<float> x(256);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (auto& v : x) v = u(rng);
  x[77] = -3.0f;  // the largest magnitude, negative
  ActBuffer buf(ActFormat::kQ8_K, 256);
  ref::quantize_row_q8_k(x.data(), 256, buf.row());
  const Q8_KCRow r = q8_k_row(static_cast<const uint8_t*>(buf.row()), 256);
  const float iscale = -127.0f / -3.0f;
  EXPECT_EQ(r.d[0], 1.0f / iscale);
  EXPECT_EQ(r.qs[77], -127);  // the largest magnitude maps to -127 whatever its sign
  for (int j = 0; j < 256; ++j) {
    EXPECT_EQ(r.qs[j], static_cast<int>(std::nearbyint(iscale * x[j]))) << j;
    EXPECT_NEAR(r.d[0] * r.qs[j], x[j], 0.5f * std::fabs(r.d[0]) * 1.0001f) << j;
  }
  for (int g = 0; g < 16; ++g) {
    int sum = 0;
    for (int j = 16 * g; j < 16 * g + 16; ++j) sum += r.qs[j];
    EXPECT_EQ(r.bsums[g], sum) << g;
  }
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
  for (int64_t cols : {256, 512, 4096}) {
    for (uint32_t seed = 1; seed <= 8; ++seed) {
      const std::vector<float> x = awkward_row(cols, seed);
      for (ActFormat f : {ActFormat::kQ8_0, ActFormat::kQ8_K}) {
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

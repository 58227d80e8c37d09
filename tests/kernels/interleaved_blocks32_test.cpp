// The kernels for interleaved Q4_0 and Q8_0 weights at the edges of their integer sums: codes
// at the ends of their ranges (Q4_0 nibbles 0 and 15, Q8_0 -128 and 127) against activations
// whose codes are all +-127. The kernels keep partial sums in int16 where they cannot overflow
// (a Q4_0 block's 16 pair sums of one row, a Q8_0 vector's pair sums); a wider sum there, or a
// -128 mishandled by the abs/sign trick, would be far off the scalar twin here.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/interleave.h"
#include "kernels/kernel_table.h"
#include "kernels/matmul.h"
#include "kernels/quant_act.h"
#include "kernels/ref/ref_kernels.h"
#include "kernels/ref/ref_q8.h"
#include "tensor/fp16.h"
#include "tensor/quant_blocks.h"

namespace hearth::kernels {
namespace {

constexpr int64_t kRows = 16, kCols = 256, kTokens = 5;

// Both types are an f16 d followed by the code bytes. Row r's code bytes follow pattern r % 5:
// all `lo`, all `hi`, alternating, `lo` in even blocks and random in odd ones, random.
std::vector<uint8_t> edge_weights(DType type, uint8_t lo, uint8_t hi, uint32_t seed) {
  const int64_t block_bytes = static_cast<int64_t>(traits(type).block_bytes);
  const int64_t code_bytes = block_bytes - 2, n_blocks = kCols / 32;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> scale(0.005f, 0.02f);
  std::vector<uint8_t> w(static_cast<size_t>(kRows * n_blocks * block_bytes));
  for (int64_t r = 0; r < kRows; ++r) {
    for (int64_t b = 0; b < n_blocks; ++b) {
      uint8_t* blk = w.data() + (r * n_blocks + b) * block_bytes;
      const uint16_t d = f32_to_fp16(scale(rng));
      std::memcpy(blk, &d, 2);
      for (int64_t k = 0; k < code_bytes; ++k) {
        const auto random = static_cast<uint8_t>(rng());
        switch (r % 5) {
          case 0: blk[2 + k] = lo; break;
          case 1: blk[2 + k] = hi; break;
          case 2: blk[2 + k] = k % 2 ? hi : lo; break;
          case 3: blk[2 + k] = b % 2 ? random : lo; break;
          default: blk[2 + k] = random; break;
        }
      }
    }
  }
  return w;
}

// Token t: all +1, all -1, alternating, +-1 at random, uniform in [-1, 1] (codes of +-127
// but for the last).
std::vector<float> edge_activations() {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(kTokens * kCols));
  for (int64_t t = 0; t < kTokens; ++t) {
    for (int64_t k = 0; k < kCols; ++k) {
      const float u = uniform(rng);
      const float v[kTokens] = {1.0f, -1.0f, k % 2 ? 1.0f : -1.0f, u < 0 ? -1.0f : 1.0f, u};
      x[static_cast<size_t>(t * kCols + k)] = v[t];
    }
  }
  return x;
}

void check_against_twin(DType type, const std::vector<uint8_t>& plain) {
  const auto row_size = static_cast<int64_t>(*row_bytes(type, kCols));
  std::vector<uint8_t> packed(plain.size());
  interleave_rows(type, plain.data(), kRows, kCols, packed.data());
  const std::vector<float> x = edge_activations();

  const int64_t act_bytes = act_row_bytes(ActFormat::kQ8_0, kCols);
  std::vector<uint8_t> act(static_cast<size_t>(act_bytes * kTokens));
  std::vector<float> xhat(x.size()), wrow(kCols);
  for (int64_t t = 0; t < kTokens; ++t) {
    ref::quantize_row_q8_0(x.data() + t * kCols, kCols, act.data() + t * act_bytes);
    ref::dequantize_act_row(ActFormat::kQ8_0, act.data() + t * act_bytes, kCols, xhat.data() + t * kCols);
  }
  std::vector<float> got(static_cast<size_t>(kRows * kTokens), NAN);
  matmul(type, packed.data(), kRows, kCols, x.data(), kTokens, got.data(), WeightLayout::kInterleaved8);

  for (int64_t r = 0; r < kRows; ++r) {
    const uint8_t* row = plain.data() + r * row_size;
    ref::dequantize_row(type, row, wrow.data(), kCols);
    for (int64_t t = 0; t < kTokens; ++t) {
      const double twin = ref::dot_row_q8(type, row, act.data() + t * act_bytes, kCols);
      double magnitude = 0;
      for (int64_t k = 0; k < kCols; ++k) magnitude += std::fabs(static_cast<double>(wrow[k]) * xhat[t * kCols + k]);
      EXPECT_NEAR(got[t * kRows + r], twin, 2e-6 * magnitude + 1e-30)
          << dtype_name(type) << " row " << r << " token " << t;
    }
  }
}

class InterleavedBlocks32 : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    const KernelTable* table = kernels_for_isa(GetParam());
    if (table == nullptr) GTEST_SKIP() << GetParam() << " not available here";
    for (DType t : {DType::Q4_0, DType::Q8_0})
      if (table->find(t, WeightLayout::kInterleaved8) == nullptr)
        GTEST_SKIP() << GetParam() << " has no interleaved kernels for " << dtype_name(t);
    ASSERT_TRUE(set_isa(GetParam()).is_ok());
  }
  void TearDown() override { ASSERT_TRUE(set_isa(saved_isa_).is_ok()); }
  std::string saved_isa_{isa_name()};
};

// Nibbles 15 (the largest int16 partial sums), 0 (the most negative after the offset of 8)
// and both in one byte.
TEST_P(InterleavedBlocks32, Q4_0ExtremeNibblesMatchTwin) {
  check_against_twin(DType::Q4_0, edge_weights(DType::Q4_0, 0x00, 0xff, 11));
  check_against_twin(DType::Q4_0, edge_weights(DType::Q4_0, 0x0f, 0xf0, 12));
}

// -128 (whose absolute value only fits unsigned) and 127.
TEST_P(InterleavedBlocks32, Q8_0ExtremeCodesMatchTwin) {
  check_against_twin(DType::Q8_0, edge_weights(DType::Q8_0, 0x80, 0x7f, 13));
  check_against_twin(DType::Q8_0, edge_weights(DType::Q8_0, 0x80, 0x81, 14));
}

INSTANTIATE_TEST_SUITE_P(Isas, InterleavedBlocks32, ::testing::Values("avx2", "avx512"));

}  // namespace
}  // namespace hearth::kernels

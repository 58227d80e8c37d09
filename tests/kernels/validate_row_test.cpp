// validate_row: the check loaders run before handing rows to the kernels, and a few
// hand-made blocks whose values follow from the format definitions.
#include <gtest/gtest.h>

#include <cstring>

#include "kernels/ref/ref_kernels.h"
#include "tensor/quant_blocks.h"

namespace hearth::kernels {
namespace {

TEST(ValidateRow, AcceptsWholeBlocksOfComputableTypes) {
  EXPECT_TRUE(ref::validate_row(DType::F32, 13).is_ok());
  EXPECT_TRUE(ref::validate_row(DType::Q8_0, 64).is_ok());
  EXPECT_TRUE(ref::validate_row(DType::Q4_K, 512).is_ok());
  EXPECT_TRUE(ref::validate_row(DType::MXFP4, 0).is_ok());
}

TEST(ValidateRow, RejectsPartialBlocksAndUnsupportedTypes) {
  const Status partial = ref::validate_row(DType::Q4_K, 100);
  ASSERT_FALSE(partial.is_ok());
  EXPECT_NE(partial.message().find("Q4_K"), std::string::npos) << partial.message();
  EXPECT_NE(partial.message().find("100"), std::string::npos) << partial.message();
  EXPECT_FALSE(ref::validate_row(DType::Q8_0, -32).is_ok());
  for (DType t : {DType::Q8_1, DType::Q8_K, DType::IQ2_XXS, DType::TQ1_0, DType::I32}) {
    const Status s = ref::validate_row(t, 256);
    EXPECT_FALSE(s.is_ok()) << dtype_name(t);
    EXPECT_NE(s.message().find(std::string(dtype_name(t))), std::string::npos) << s.message();
  }
}

TEST(HandMadeBlocks, Q4_0UsesLowNibblesFirst) {
  BlockQ4_0 b{};
  const uint16_t two = f32_to_fp16(2.0f);
  std::memcpy(b.d, &two, 2);
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  float out[32];
  ref::dequantize_row(DType::Q4_0, &b, out, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(out[j], 2.0f * (j - 8)) << j;
    EXPECT_EQ(out[j + 16], 2.0f * (7 - j)) << j;
  }
}

TEST(HandMadeBlocks, Mxfp4ScalesE2M1ByPowerOfTwo) {
  BlockMXFP4 b{};
  b.e = 127 + 3;  // scale 2^3
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | (j << 4));
  const float e2m1[16] = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6, -0.0f, -0.5f, -1, -1.5f, -2, -3, -4, -6};
  float out[32];
  ref::dequantize_row(DType::MXFP4, &b, out, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(out[j], 8 * e2m1[j]) << j;
    EXPECT_EQ(out[j + 16], 8 * e2m1[j]) << j;
  }
}

}  // namespace
}  // namespace hearth::kernels

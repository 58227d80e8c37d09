// The block structs agree with the dtype table (the sizes the GGUF reader uses).
#include "tensor/quant_blocks.h"

#include <gtest/gtest.h>

#include "tensor/dtype.h"

namespace hearth {
namespace {

template <typename Block>
void expect_layout(DType t, uint32_t elems) {
  const auto& tr = traits(t);
  EXPECT_TRUE(tr.computable) << tr.name;
  EXPECT_EQ(tr.block_bytes, sizeof(Block)) << tr.name;
  EXPECT_EQ(tr.block_elems, elems) << tr.name;
  EXPECT_EQ(alignof(Block), 1u) << tr.name << ": blocks must be readable at any address";
}

TEST(QuantBlocks, SizesMatchDtypeTable) {
  expect_layout<BlockQ4_0>(DType::Q4_0, kQK32);
  expect_layout<BlockQ4_1>(DType::Q4_1, kQK32);
  expect_layout<BlockQ5_0>(DType::Q5_0, kQK32);
  expect_layout<BlockQ5_1>(DType::Q5_1, kQK32);
  expect_layout<BlockQ8_0>(DType::Q8_0, kQK32);
  expect_layout<BlockQ2_K>(DType::Q2_K, kQK_K);
  expect_layout<BlockQ3_K>(DType::Q3_K, kQK_K);
  expect_layout<BlockQ4_K>(DType::Q4_K, kQK_K);
  expect_layout<BlockQ5_K>(DType::Q5_K, kQK_K);
  expect_layout<BlockQ6_K>(DType::Q6_K, kQK_K);
  expect_layout<BlockIQ4_NL>(DType::IQ4_NL, kQK32);
  expect_layout<BlockIQ4_XS>(DType::IQ4_XS, kQK_K);
  expect_layout<BlockMXFP4>(DType::MXFP4, kQK32);
}

TEST(QuantBlocks, LittleEndianLoads) {
  const uint8_t bytes[] = {0x00, 0x3c, 0x78, 0x56, 0x34, 0x12};
  EXPECT_EQ(load_u16(bytes), 0x3c00);
  EXPECT_EQ(load_f16(bytes), 1.0f);
  EXPECT_EQ(load_u32(bytes + 2), 0x12345678u);
}

}  // namespace
}  // namespace hearth

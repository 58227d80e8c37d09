// kernels::matmul_group: a group of products gives exactly what the same products give one
// by one (same kernels, same quantised activations), with shared and distinct inputs, mixed
// weight types, empty jobs and jobs on the exact path.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernel_table.h"
#include "kernels/matmul.h"
#include "kernels/ref/ref_kernels.h"
#include "tensor/dtype.h"

namespace hearth::kernels {
namespace {

// Random weights of `type` made by quantising random floats with the reference quantiser
// where there is one, else random bytes with sane f16 scales (Q8_0 / F32 here).
std::vector<uint8_t> random_weights(DType type, int64_t rows, int64_t cols, std::mt19937& rng) {
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> f(static_cast<size_t>(rows * cols));
  for (float& v : f) v = dist(rng);
  const size_t bytes = static_cast<size_t>(rows) * *row_bytes(type, static_cast<uint64_t>(cols));
  std::vector<uint8_t> out(bytes);
  if (type == DType::F32) {
    std::memcpy(out.data(), f.data(), bytes);
    return out;
  }
  // Q8_0: 32 int8 codes and an f16 scale of 1/64 per block.
  EXPECT_EQ(type, DType::Q8_0);
  std::uniform_int_distribution<int> code(-127, 127);
  for (size_t b = 0; b < bytes; b += 34) {
    out[b] = 0x00;
    out[b + 1] = 0x24;  // f16 1/64
    for (size_t j = 0; j < 32; ++j) out[b + 2 + j] = static_cast<uint8_t>(code(rng));
  }
  return out;
}

class MatmulGroup : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (kernels_for_isa(GetParam()) == nullptr) GTEST_SKIP() << GetParam() << " not on this CPU";
    ASSERT_TRUE(set_isa(GetParam()).is_ok());
  }
  void TearDown() override { (void)set_isa("auto"); }
};

TEST_P(MatmulGroup, EqualsTheProductsOneByOne) {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  const int64_t cols = 256;
  struct Spec {
    DType type;
    int64_t rows, n_tokens;
    int input;  // which input (0 and 1 are shared by several jobs)
  };
  const std::vector<Spec> specs = {{DType::Q8_0, 96, 5, 0}, {DType::Q8_0, 64, 5, 0},
                                   {DType::F32, 40, 5, 0},  {DType::Q8_0, 33, 1, 1},
                                   {DType::Q8_0, 0, 1, 1},  {DType::Q8_0, 128, 17, 2},
                                   {DType::F32, 7, 17, 2}};
  std::vector<std::vector<float>> inputs(3);
  const int64_t tokens_of_input[3] = {5, 1, 17};
  for (int i = 0; i < 3; ++i) {
    inputs[i].resize(static_cast<size_t>(tokens_of_input[i] * cols));
    for (float& v : inputs[i]) v = dist(rng);
  }
  std::vector<std::vector<uint8_t>> weights;
  std::vector<std::vector<float>> alone, grouped;
  std::vector<MatmulJob> jobs;
  for (const Spec& s : specs) weights.push_back(random_weights(s.type, s.rows, cols, rng));
  for (size_t i = 0; i < specs.size(); ++i) {
    const Spec& s = specs[i];
    alone.emplace_back(static_cast<size_t>(s.rows * s.n_tokens), -1.0f);
    grouped.emplace_back(static_cast<size_t>(s.rows * s.n_tokens), -2.0f);
    matmul(s.type, weights[i].data(), s.rows, cols, inputs[s.input].data(), s.n_tokens, alone[i].data());
  }
  for (size_t i = 0; i < specs.size(); ++i) {
    const Spec& s = specs[i];
    jobs.push_back({s.type, weights[i].data(), s.rows, cols, inputs[s.input].data(), s.n_tokens,
                    grouped[i].data()});
  }
  matmul_group(jobs);
  for (size_t i = 0; i < specs.size(); ++i) {
    ASSERT_EQ(alone[i].size(), grouped[i].size());
    for (size_t k = 0; k < alone[i].size(); ++k)
      ASSERT_EQ(alone[i][k], grouped[i][k]) << "job " << i << " element " << k;
  }
  // And the products are real ones: a Q8_0 row against a known input.
  if (!alone[0].empty()) {
    std::vector<float> w(static_cast<size_t>(cols));
    ref::dequantize_row(DType::Q8_0, weights[0].data(), w.data(), cols);
    double expected = 0;
    for (int64_t k = 0; k < cols; ++k) expected += static_cast<double>(w[k]) * inputs[0][k];
    EXPECT_NEAR(grouped[0][0], expected, 0.02 * (1 + std::abs(expected)));
  }
}

INSTANTIATE_TEST_SUITE_P(Isas, MatmulGroup, ::testing::Values("ref", "avx2"));

}  // namespace
}  // namespace hearth::kernels

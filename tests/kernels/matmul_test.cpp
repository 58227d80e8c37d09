// matmul against a plain loop over ref::dot_row, on real weights from the test models, for
// every computable type, odd row counts, 1 and 7 tokens and several thread counts.
#include "kernels/matmul.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernel_table.h"
#include "kernels/ref/ref_kernels.h"
#include "test_gguf_reader.h"

namespace hearth::kernels {
namespace {

struct Case {
  const char* model;
  const char* tensor;
  int64_t cols;  // blocks are self-contained, so a tensor's bytes can be read with any row
  int64_t rows;  // length that is a multiple of the block size
};

const Case kCases[] = {
    {"llama-spm-F32.gguf", "output.weight", 13, 37},  // row length not a multiple of 8
    {"llama-spm-F16.gguf", "token_embd.weight", 256, 512},
    {"llama-spm-BF16.gguf", "output.weight", 40, 33},
    {"llama-spm-Q4_0.gguf", "token_embd.weight", 64, 37},
    {"llama-spm-Q4_1.gguf", "token_embd.weight", 256, 131},
    {"llama-spm-Q5_0.gguf", "token_embd.weight", 96, 45},
    {"llama-spm-Q5_1.gguf", "token_embd.weight", 256, 37},
    {"llama-spm-Q8_0.gguf", "output.weight", 96, 101},
    {"llama-spm-Q2_K.gguf", "token_embd.weight", 256, 255},
    {"llama-spm-Q3_K_M.gguf", "token_embd.weight", 512, 127},
    {"llama-spm-Q4_K_M.gguf", "blk.0.ffn_down.weight", 512, 255},
    {"llama-spm-Q5_K_M.gguf", "token_embd.weight", 768, 41},
    {"llama-spm-Q6_K.gguf", "output.weight", 256, 512},
    {"llama-spm-IQ4_NL.gguf", "token_embd.weight", 160, 99},
    {"llama-spm-IQ4_XS.gguf", "blk.0.ffn_down.weight", 512, 256},
    {"gpt-oss-MXFP4_MOE.gguf", "blk.0.ffn_down_exps.weight", 32, 67},  // rows at odd addresses
    {"gpt-oss-MXFP4_MOE.gguf", "blk.0.ffn_down_exps.weight", 256, 1023},
};

// The exact f32 path ("ref"), whatever HEARTH_ISA says; fast_matmul_test covers the others.
class Matmul : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override { ASSERT_TRUE(set_isa("ref").is_ok()); }
  void TearDown() override {
    set_num_threads(saved_threads_);
    ASSERT_TRUE(set_isa(saved_isa_).is_ok());
  }
  int saved_threads_ = num_threads();
  std::string saved_isa_{isa_name()};
};

TEST_P(Matmul, MatchesDotRowLoop) {
  const Case& c = GetParam();
  const auto path = std::filesystem::path(HEARTH_TESTDATA) / "models" / c.model;
  auto gguf = testing::read_test_gguf(path.string());
  ASSERT_TRUE(gguf.is_ok()) << gguf.message();
  const testing::TestTensor* t = gguf->find(c.tensor);
  ASSERT_NE(t, nullptr) << c.tensor;
  const auto wtype = static_cast<DType>(t->type_id);
  ASSERT_TRUE(ref::validate_row(wtype, c.cols).is_ok()) << dtype_name(wtype);
  const auto row_size = static_cast<int64_t>(*row_bytes(wtype, static_cast<uint64_t>(c.cols)));
  const uint8_t* w = gguf->data(*t);
  ASSERT_LE(static_cast<uint64_t>(w - gguf->bytes.data() + c.rows * row_size), gguf->bytes.size());

  std::mt19937 rng(42);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (int64_t n_tokens : {1, 7}) {
    std::vector<float> x(static_cast<size_t>(n_tokens * c.cols));
    for (auto& v : x) v = uniform(rng);

    // Reference: one dot_row per (token, row); tolerance from the magnitude of the terms.
    std::vector<float> want(static_cast<size_t>(n_tokens * c.rows));
    std::vector<double> magnitude(want.size());
    std::vector<float> row(static_cast<size_t>(c.cols));
    for (int64_t r = 0; r < c.rows; ++r) {
      ref::dequantize_row(wtype, w + r * row_size, row.data(), c.cols);
      for (int64_t tok = 0; tok < n_tokens; ++tok) {
        const float* xt = x.data() + tok * c.cols;
        const auto i = static_cast<size_t>(tok * c.rows + r);
        want[i] = ref::dot_row(wtype, w + r * row_size, xt, c.cols);
        for (int64_t k = 0; k < c.cols; ++k) magnitude[i] += std::fabs(row[k] * xt[k]);
      }
    }
    for (int threads : {1, 2, 3}) {
      set_num_threads(threads);
      std::vector<float> got(want.size(), NAN);
      matmul(wtype, w, c.rows, c.cols, x.data(), n_tokens, got.data());
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_NEAR(got[i], want[i], 1e-6 * magnitude[i] + 1e-30)
            << dtype_name(wtype) << " tokens " << n_tokens << " threads " << threads << " row "
            << i % c.rows << " token " << i / c.rows;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Types, Matmul, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string model = info.param.model;
                           model = model.substr(0, model.find(".gguf"));
                           std::string name = model + "_" +
                                              std::to_string(info.param.cols) + "x" +
                                              std::to_string(info.param.rows);
                           for (auto& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

TEST(MatmulEdges, EmptyShapesWriteNothing) {
  const float w[4] = {1, 2, 3, 4};
  const float x[4] = {1, 1, 1, 1};
  float y[2] = {-7, -7};
  matmul(DType::F32, w, 0, 4, x, 1, y);
  matmul(DType::F32, w, 1, 4, x, 0, y);
  EXPECT_EQ(y[0], -7);
  EXPECT_EQ(y[1], -7);
  matmul(DType::F32, w, 1, 4, x, 1, y);
  EXPECT_EQ(y[0], 10);
  EXPECT_EQ(y[1], -7);
}

TEST(MatmulEdges, NumThreadsIsAtLeastOne) {
  const int saved = num_threads();
  EXPECT_GE(saved, 1);
  set_num_threads(0);
  EXPECT_EQ(num_threads(), 1);
  set_num_threads(5);
  EXPECT_EQ(num_threads(), 5);
  set_num_threads(saved);
}

}  // namespace
}  // namespace hearth::kernels

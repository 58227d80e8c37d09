// Checks the reference dequantisation and dot product of every computable type against
// gguf-py's dequantised values (testdata/dequant/*.dequant.json) for real model tensors.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/ref/ref_kernels.h"
#include "tensor/dtype.h"
#include "test_gguf_reader.h"

namespace hearth::kernels {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> dequant_files() {
  std::vector<std::string> files;
  const fs::path dir = fs::path(HEARTH_TESTDATA) / "dequant";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().filename().string().ends_with(".dequant.json"))
      files.push_back(entry.path().filename().string());
  std::sort(files.begin(), files.end());
  return files;
}

class DequantReference : public ::testing::TestWithParam<std::string> {};

// Checks one tensor entry of a .dequant.json file against the tensor in the model file.
void check_tensor(const testing::TestGguf& gguf, const nlohmann::json& ref) {
  const std::string name = ref.at("tensor");
  SCOPED_TRACE(name);
  const testing::TestTensor* t = gguf.find(name);
  ASSERT_NE(t, nullptr) << "tensor not in the model file";
  ASSERT_EQ(t->ne, ref.at("ne").get<std::vector<uint64_t>>());

  const auto tr = dtype_traits(t->type_id);
  ASSERT_TRUE(tr.has_value()) << "type id " << t->type_id;
  ASSERT_EQ(std::string(tr->name), ref.at("type").get<std::string>());
  const auto dtype = static_cast<DType>(t->type_id);
  const auto cols = static_cast<int64_t>(t->ne[0]);
  ASSERT_TRUE(ref::validate_row(dtype, cols).is_ok()) << ref::validate_row(dtype, cols).message();

  int64_t n_rows = 1;
  for (size_t d = 1; d < t->ne.size(); ++d) n_rows *= static_cast<int64_t>(t->ne[d]);
  const auto row_size = static_cast<int64_t>(*row_bytes(dtype, t->ne[0]));
  ASSERT_LE(gguf.data_offset + t->offset + static_cast<uint64_t>(n_rows * row_size),
            gguf.bytes.size());
  const uint8_t* data = gguf.data(*t);

  const auto& ref_rows = ref.at("rows");
  ASSERT_GE(ref_rows.size(), 1u);
  std::mt19937 rng(1234);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> row(static_cast<size_t>(cols)), x(static_cast<size_t>(cols));
  double sum = 0, sumsq = 0;
  for (int64_t r = 0; r < n_rows; ++r) {
    const uint8_t* src = data + r * row_size;
    ref::dequantize_row(dtype, src, row.data(), cols);
    for (float v : row) {
      sum += v;
      sumsq += static_cast<double>(v) * v;
    }
    if (r < static_cast<int64_t>(ref_rows.size())) {
      const auto expected = ref_rows[static_cast<size_t>(r)].get<std::vector<double>>();
      ASSERT_EQ(expected.size(), row.size());
      int mismatches = 0;
      for (int64_t i = 0; i < cols && mismatches < 5; ++i) {
        const float want = static_cast<float>(expected[static_cast<size_t>(i)]);
        if (std::bit_cast<uint32_t>(row[i]) != std::bit_cast<uint32_t>(want)) {
          ++mismatches;
          ADD_FAILURE() << "row " << r << " element " << i << ": got " << row[i] << " want "
                        << want;
        }
      }
    }
    // The dot product against random activations, for a sample of rows.
    if (r < 4 || r % 61 == 0) {
      for (auto& v : x) v = uniform(rng);
      double exact = 0, magnitude = 0;
      for (int64_t i = 0; i < cols; ++i) {
        exact += static_cast<double>(row[i]) * x[i];
        magnitude += std::fabs(static_cast<double>(row[i]) * x[i]);
      }
      EXPECT_NEAR(ref::dot_row(dtype, src, x.data(), cols), exact, 1e-5 * magnitude + 1e-30)
          << "row " << r;
    }
  }
  const double ref_sum = ref.at("sum"), ref_sumsq = ref.at("sumsq");
  EXPECT_NEAR(sum, ref_sum, 1e-9 * std::fabs(ref_sum));
  EXPECT_NEAR(sumsq, ref_sumsq, 1e-9 * std::fabs(ref_sumsq));
}

TEST_P(DequantReference, MatchesGgufPyBitForBit) {
  const fs::path json_path = fs::path(HEARTH_TESTDATA) / "dequant" / GetParam();
  std::ifstream in(json_path);
  ASSERT_TRUE(in) << json_path;
  const auto doc = nlohmann::json::parse(in);
  const fs::path model = fs::path(HEARTH_TESTDATA) / "models" / doc.at("model").get<std::string>();
  auto gguf = testing::read_test_gguf(model.string());
  ASSERT_TRUE(gguf.is_ok()) << gguf.message();
  ASSERT_FALSE(doc.at("tensors").empty());
  for (const auto& ref : doc.at("tensors")) check_tensor(*gguf, ref);
}

INSTANTIATE_TEST_SUITE_P(Files, DequantReference, ::testing::ValuesIn(dequant_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param.substr(0, info.param.find('.'));
                           for (auto& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

// Every computable type must be exercised by some reference file; a missing folder or a type
// dropped from the data would otherwise pass silently.
TEST(DequantReferenceCoverage, EveryComputableTypeHasReferenceData) {
  std::vector<std::string> seen;
  for (const auto& file : dequant_files()) {
    std::ifstream in(fs::path(HEARTH_TESTDATA) / "dequant" / file);
    const auto doc = nlohmann::json::parse(in);
    for (const auto& t : doc.at("tensors")) seen.push_back(t.at("type"));
  }
  for (DType t : {DType::F32, DType::F16, DType::BF16, DType::Q4_0, DType::Q4_1, DType::Q5_0,
                  DType::Q5_1, DType::Q8_0, DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K,
                  DType::Q6_K, DType::IQ4_NL, DType::IQ4_XS, DType::MXFP4}) {
    EXPECT_NE(std::find(seen.begin(), seen.end(), std::string(dtype_name(t))), seen.end())
        << dtype_name(t);
  }
}

}  // namespace
}  // namespace hearth::kernels

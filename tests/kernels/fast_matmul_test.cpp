// The fast kernel tables (avx2, avx512 where the CPU has them) through kernels::matmul, for
// every computable type, on real weights from the test models and on random blocks with
// extreme codes:
//   * the scalar twin (ref::dot_row_q8) against the exact product of the dequantised weights
//     with the dequantised activations (checks the twin's integer formulation);
//   * the fast kernels against the twin: tight (only the order of f32 sums differs);
//   * the fast kernels against the exact f32 product ref::dot_row: within the error the
//     activation quantisation can cause, sum |w| * |x - dequant(quant(x))|.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "kernels/interleave.h"
#include "kernels/kernel_table.h"
#include "kernels/matmul.h"
#include "kernels/quant_act.h"
#include "kernels/ref/ref_kernels.h"
#include "kernels/ref/ref_q8.h"
#include "tensor/quant_blocks.h"
#include "test_gguf_reader.h"

namespace hearth::kernels {
namespace {

constexpr double kTight = 2e-6;  // relative to sum |w * x|: f32 summation order

struct Weights {
  DType type;
  std::vector<uint8_t> bytes;
  int64_t rows, cols, row_size;
  size_t offset = 0;  // of row 0 in bytes
  // The weights matmul reads: `bytes` (plain rows), or `packed` (the same interleaved).
  WeightLayout layout = WeightLayout::kRows;
  std::vector<uint8_t> packed;
  const uint8_t* row(int64_t r) const { return bytes.data() + offset + r * row_size; }
  const uint8_t* matmul_data() const { return layout == WeightLayout::kRows ? row(0) : packed.data(); }
};

Weights interleaved(Weights w) {
  w.packed.resize(static_cast<size_t>(w.rows * w.row_size));
  interleave_rows(w.type, w.row(0), w.rows, w.cols, w.packed.data());
  w.layout = WeightLayout::kInterleaved8;
  return w;
}

// Reference values for one weight row and one activation row.
struct Expected {
  double twin = 0;       // ref::dot_row_q8 (quantised formats) or ref::dot_row (float types)
  double exact = 0;      // ref::dot_row with the f32 activations
  double magnitude = 0;  // sum |w * x|
  double quant_err = 0;  // sum |w| * |x - dequant(quant(x))|
};

std::vector<Expected> expected_products(const Weights& w, const std::vector<float>& x,
                                        int64_t n_tokens) {
  const ActFormat fmt = act_format_for(w.type);
  const int64_t act_bytes = act_row_bytes(fmt, w.cols);
  std::vector<uint8_t> act(static_cast<size_t>(act_bytes * n_tokens + 64));
  uint8_t* base = act.data() + (64 - reinterpret_cast<uintptr_t>(act.data()) % 64) % 64;
  std::vector<float> xhat(x.size());
  for (int64_t t = 0; t < n_tokens; ++t) {
    const float* xt = x.data() + t * w.cols;
    if (fmt == ActFormat::kQ8_0) ref::quantize_row_q8_0(xt, w.cols, base + t * act_bytes);
    if (fmt == ActFormat::kQ8_K) ref::quantize_row_q8_k(xt, w.cols, base + t * act_bytes);
    if (fmt == ActFormat::kF32) {
      std::memcpy(xhat.data() + t * w.cols, xt, static_cast<size_t>(w.cols) * sizeof(float));
    } else {
      ref::dequantize_act_row(fmt, base + t * act_bytes, w.cols, xhat.data() + t * w.cols);
    }
  }
  std::vector<Expected> out(static_cast<size_t>(w.rows * n_tokens));
  std::vector<float> wrow(static_cast<size_t>(w.cols));
  for (int64_t r = 0; r < w.rows; ++r) {
    ref::dequantize_row(w.type, w.row(r), wrow.data(), w.cols);
    for (int64_t t = 0; t < n_tokens; ++t) {
      Expected& e = out[static_cast<size_t>(t * w.rows + r)];
      const float* xt = x.data() + t * w.cols;
      const float* ht = xhat.data() + t * w.cols;
      double exact_hat = 0, magnitude_hat = 0;
      for (int64_t k = 0; k < w.cols; ++k) {
        e.magnitude += std::fabs(static_cast<double>(wrow[k]) * xt[k]);
        e.quant_err += std::fabs(static_cast<double>(wrow[k])) * std::fabs(static_cast<double>(xt[k]) - ht[k]);
        exact_hat += static_cast<double>(wrow[k]) * ht[k];
        magnitude_hat += std::fabs(static_cast<double>(wrow[k]) * ht[k]);
      }
      e.exact = ref::dot_row(w.type, w.row(r), xt, w.cols);
      if (fmt == ActFormat::kF32) {
        e.twin = e.exact;
        continue;
      }
      e.twin = ref::dot_row_q8(w.type, w.row(r), base + t * act_bytes, w.cols);
      // The twin sums exact integers per block, then scales in f32.
      EXPECT_NEAR(e.twin, exact_hat, 1e-5 * magnitude_hat + 1e-30)
          << "twin, row " << r << " token " << t;
    }
  }
  return out;
}

std::vector<float> random_activations(int64_t n, uint32_t seed, bool extremes) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n));
  // Extremes: +-1 everywhere, so every code is +-127 (the saturation edge of maddubs).
  for (auto& v : x) v = extremes ? (uniform(rng) < 0 ? -1.0f : 1.0f) : uniform(rng);
  return x;
}

// Runs matmul with the ISA under test for several token counts and thread counts.
void check_matmul(const Weights& w, uint32_t seed, bool extremes,
                  std::initializer_list<int64_t> token_counts) {
  for (int64_t n_tokens : token_counts) {
    const std::vector<float> x = random_activations(n_tokens * w.cols, seed + static_cast<uint32_t>(n_tokens), extremes);
    const std::vector<Expected> want = expected_products(w, x, n_tokens);
    for (int threads : {1, 2, 3}) {
      set_num_threads(threads);
      std::vector<float> got(want.size(), NAN);
      matmul(w.type, w.matmul_data(), w.rows, w.cols, x.data(), n_tokens, got.data(), w.layout);
      for (size_t i = 0; i < got.size(); ++i) {
        const Expected& e = want[i];
        SCOPED_TRACE(::testing::Message() << dtype_name(w.type) << " " << w.rows << "x" << w.cols
                                          << (w.layout == WeightLayout::kRows ? "" : " interleaved")
                                          << " tokens " << n_tokens << " threads " << threads
                                          << " row " << i % w.rows << " token " << i / w.rows);
        ASSERT_NEAR(got[i], e.twin, kTight * e.magnitude + 1e-30);
        ASSERT_NEAR(got[i], e.exact, e.quant_err * 1.0001 + kTight * e.magnitude + 1e-30);
      }
    }
  }
}

class FastMatmul : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (kernels_for_isa(GetParam()) == nullptr) GTEST_SKIP() << GetParam() << " not available here";
    ASSERT_TRUE(set_isa(GetParam()).is_ok());
  }
  void TearDown() override {
    set_num_threads(saved_threads_);
    ASSERT_TRUE(set_isa(saved_isa_).is_ok());
  }
  int saved_threads_ = num_threads();
  std::string saved_isa_{isa_name()};
};

struct RealCase {
  const char* model;
  const char* tensor;
  int64_t cols;  // blocks are self-contained: a tensor's bytes read with any row length
  int64_t rows;
};

const RealCase kRealCases[] = {
    {"llama-spm-F32.gguf", "output.weight", 13, 37},  // a row length not a multiple of 8
    {"llama-spm-F32.gguf", "output.weight", 4100, 31},
    {"llama-spm-F16.gguf", "token_embd.weight", 256, 45},
    {"llama-spm-F16.gguf", "token_embd.weight", 4108, 31},
    {"llama-spm-BF16.gguf", "output.weight", 40, 33},
    {"llama-spm-BF16.gguf", "output.weight", 4104, 31},
    {"llama-spm-Q4_0.gguf", "token_embd.weight", 64, 37},
    {"llama-spm-Q4_0.gguf", "token_embd.weight", 4160, 31},
    {"llama-spm-Q4_1.gguf", "token_embd.weight", 256, 35},
    {"llama-spm-Q4_1.gguf", "token_embd.weight", 4160, 31},
    {"llama-spm-Q5_0.gguf", "token_embd.weight", 96, 45},
    {"llama-spm-Q5_0.gguf", "token_embd.weight", 4160, 31},
    {"llama-spm-Q5_1.gguf", "token_embd.weight", 256, 37},
    {"llama-spm-Q5_1.gguf", "token_embd.weight", 4160, 31},
    {"llama-spm-Q8_0.gguf", "output.weight", 96, 101},
    {"llama-spm-Q8_0.gguf", "output.weight", 4160, 31},
    {"llama-spm-IQ4_NL.gguf", "token_embd.weight", 160, 41},
    {"llama-spm-IQ4_NL.gguf", "token_embd.weight", 4160, 31},
    {"gpt-oss-MXFP4_MOE.gguf", "blk.0.ffn_down_exps.weight", 32, 67},  // rows at odd addresses
    {"gpt-oss-MXFP4_MOE.gguf", "blk.0.ffn_down_exps.weight", 4160, 31},
    {"llama-spm-Q2_K.gguf", "token_embd.weight", 256, 53},
    {"llama-spm-Q2_K.gguf", "token_embd.weight", 4608, 28},
    {"llama-spm-Q3_K_M.gguf", "token_embd.weight", 512, 37},
    {"llama-spm-Q3_K_M.gguf", "token_embd.weight", 4608, 28},
    {"llama-spm-Q4_K_M.gguf", "blk.0.ffn_down.weight", 512, 35},
    {"llama-spm-Q4_K_M.gguf", "token_embd.weight", 4608, 28},
    {"llama-spm-Q5_K_M.gguf", "token_embd.weight", 768, 41},
    {"llama-spm-Q5_K_M.gguf", "token_embd.weight", 4608, 28},
    {"llama-spm-Q6_K.gguf", "output.weight", 256, 47},
    {"llama-spm-Q6_K.gguf", "output.weight", 4608, 28},
    {"llama-spm-IQ4_XS.gguf", "blk.0.ffn_down.weight", 512, 37},
    {"llama-spm-IQ4_XS.gguf", "token_embd.weight", 4608, 28},
};

TEST_P(FastMatmul, RealWeightsMatchTwinAndExact) {
  for (const RealCase& c : kRealCases) {
    SCOPED_TRACE(std::string(c.model) + " " + c.tensor);
    const auto path = std::filesystem::path(HEARTH_TESTDATA) / "models" / c.model;
    auto gguf = testing::read_test_gguf(path.string());
    ASSERT_TRUE(gguf.is_ok()) << gguf.message();
    const testing::TestTensor* t = gguf->find(c.tensor);
    ASSERT_NE(t, nullptr);
    Weights w{static_cast<DType>(t->type_id), {}, c.rows, c.cols, 0, 0, WeightLayout::kRows, {}};
    ASSERT_TRUE(ref::validate_row(w.type, c.cols).is_ok()) << dtype_name(w.type);
    w.row_size = static_cast<int64_t>(*row_bytes(w.type, static_cast<uint64_t>(c.cols)));
    const uint8_t* data = gguf->data(*t);
    ASSERT_LE(static_cast<uint64_t>(data - gguf->bytes.data() + c.rows * w.row_size), gguf->bytes.size());
    // Copy to an odd address: rows of MXFP4 and of every type sliced from a file need not
    // be aligned.
    w.bytes.assign(static_cast<size_t>(c.rows * w.row_size + 1), 0);
    std::memcpy(w.bytes.data() + 1, data, static_cast<size_t>(c.rows * w.row_size));
    w.offset = 1;
    check_matmul(w, 7, false, {1, 2, 3, 4, 7, 40});
  }
}

// Random code bytes (every code value, -128 for Q8_0 included) with sane scales.
Weights random_weights(DType type, int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  Weights w{type, {}, rows, cols, static_cast<int64_t>(*row_bytes(type, static_cast<uint64_t>(cols))), 0, WeightLayout::kRows, {}};
  w.bytes.resize(static_cast<size_t>(rows * w.row_size));
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  const auto& tr = traits(type);
  if (tr.block_elems == 1) {  // float types: random values of the type
    for (int64_t i = 0; i < rows * cols; ++i) {
      const float v = uniform(rng);
      uint8_t* p = w.bytes.data() + i * tr.block_bytes;
      if (type == DType::F32) std::memcpy(p, &v, 4);
      const uint16_t h = type == DType::F16 ? f32_to_fp16(v) : f32_to_bf16(v);
      if (type != DType::F32) std::memcpy(p, &h, 2);
    }
    return w;
  }
  for (auto& b : w.bytes) b = static_cast<uint8_t>(byte(rng));
  auto set_f16 = [&](uint8_t* p, float magnitude) {
    const uint16_t h = f32_to_fp16(magnitude * uniform(rng));
    std::memcpy(p, &h, 2);
  };
  const int64_t n_blocks = rows * cols / tr.block_elems;
  for (int64_t i = 0; i < n_blocks; ++i) {
    uint8_t* b = w.bytes.data() + i * tr.block_bytes;
    switch (type) {
      case DType::Q4_1: set_f16(b + offsetof(BlockQ4_1, m), 0.1f); [[fallthrough]];
      case DType::Q4_0: case DType::Q5_0: case DType::Q8_0: case DType::IQ4_NL:
        set_f16(b, 0.01f);  // d is the first field of each of these
        break;
      case DType::Q5_1:
        set_f16(b + offsetof(BlockQ5_1, d), 0.01f);
        set_f16(b + offsetof(BlockQ5_1, m), 0.1f);
        break;
      case DType::MXFP4: b[0] = static_cast<uint8_t>(118 + byte(rng) % 8); break;
      case DType::Q2_K:
        set_f16(b + offsetof(BlockQ2_K, d), 0.01f);
        set_f16(b + offsetof(BlockQ2_K, dmin), 0.01f);
        break;
      case DType::Q3_K: set_f16(b + offsetof(BlockQ3_K, d), 0.01f); break;
      case DType::Q4_K: case DType::Q5_K:  // d, dmin lead both layouts
        set_f16(b + offsetof(BlockQ4_K, d), 0.01f);
        set_f16(b + offsetof(BlockQ4_K, dmin), 0.01f);
        break;
      case DType::Q6_K: set_f16(b + offsetof(BlockQ6_K, d), 0.001f); break;
      case DType::IQ4_XS: set_f16(b + offsetof(BlockIQ4_XS, d), 0.001f); break;
      default: ADD_FAILURE() << "no scale layout for " << dtype_name(type);
    }
  }
  return w;
}

const DType kAllTypes[] = {DType::F32,  DType::F16,  DType::BF16,   DType::Q4_0,  DType::Q4_1,
                           DType::Q5_0, DType::Q5_1, DType::Q8_0,   DType::IQ4_NL, DType::MXFP4,
                           DType::Q2_K, DType::Q3_K, DType::Q4_K,   DType::Q5_K,  DType::Q6_K,
                           DType::IQ4_XS};

TEST_P(FastMatmul, RandomBlocksWithExtremeCodesAndActivations) {
  for (DType type : kAllTypes) {
    const Weights w = random_weights(type, 19, 768, static_cast<uint32_t>(type) + 11);
    check_matmul(w, 5, true, {1, 5});
    check_matmul(w, 9, false, {3, 17});
  }
}

// Few rows and many tokens (an MoE expert during prompt processing): tokens are split
// across threads. Many rows and one token: rows are.
TEST_P(FastMatmul, ShapesThatSplitTokensOrRows) {
  for (DType type : {DType::Q4_0, DType::Q4_K, DType::F16}) {
    check_matmul(random_weights(type, 16, 512, 3), 21, false, {64});
    check_matmul(random_weights(type, 1, 256, 4), 22, false, {1, 6});
    check_matmul(random_weights(type, 600, 256, 5), 23, false, {1});
  }
}

// Batch invariance: a token's results are bit for bit the same whether it is multiplied
// alone (the direct path), with two others, or in a batch of 4, 9 or 40 (panels), including
// rows wider than a panel (summed panel by panel) and float rows with a ragged end. This is
// what lets a server batch sequences without changing what any of them generates.
TEST_P(FastMatmul, EachTokenGetsTheSameResultInAnyBatch) {
  for (DType type : kAllTypes) {
    SCOPED_TRACE(dtype_name(type));
    const int64_t cols = traits(type).block_elems == 1 ? 4100 : 8192 + 512;
    const Weights w = random_weights(type, 13, cols, static_cast<uint32_t>(type) + 101);
    const std::vector<float> x = random_activations(40 * cols, 77, false);
    std::vector<float> alone(static_cast<size_t>(40 * w.rows));
    for (int64_t t = 0; t < 40; ++t)
      matmul(type, w.row(0), w.rows, cols, x.data() + t * cols, 1, alone.data() + t * w.rows);
    for (int64_t batch : {3, 4, 9, 40}) {
      std::vector<float> together(static_cast<size_t>(batch * w.rows));
      matmul(type, w.row(0), w.rows, cols, x.data(), batch, together.data());
      for (int64_t i = 0; i < batch * w.rows; ++i)
        ASSERT_EQ(together[i], alone[i]) << "batch " << batch << ", token " << i / w.rows << ", row " << i % w.rows;
    }
  }
}

// The types with an interleaved layout and kernels for it in the table under test.
std::vector<DType> interleaved_types() {
  std::vector<DType> out;
  for (DType t : kAllTypes)
    if (has_interleaved_layout(t) && active_kernels().find(t, WeightLayout::kInterleaved8) != nullptr) out.push_back(t);
  return out;
}

TEST_P(FastMatmul, InterleavedWeightsMatchTwinAndExact) {
  for (DType type : interleaved_types()) {
    check_matmul(interleaved(random_weights(type, 24, 768, static_cast<uint32_t>(type) + 31)), 5, true, {1, 5});
    check_matmul(interleaved(random_weights(type, 40, 512, static_cast<uint32_t>(type) + 37)), 9, false,
                 {1, 2, 3, 4, 9, 17, 64});
  }
}

// As EachTokenGetsTheSameResultInAnyBatch, for interleaved weights (which take one path for
// every token count).
TEST_P(FastMatmul, InterleavedEachTokenGetsTheSameResultInAnyBatch) {
  for (DType type : interleaved_types()) {
    SCOPED_TRACE(dtype_name(type));
    const int64_t cols = 8192 + 512;
    const Weights w = interleaved(random_weights(type, 48, cols, static_cast<uint32_t>(type) + 103));
    const std::vector<float> x = random_activations(40 * cols, 79, false);
    std::vector<float> alone(static_cast<size_t>(40 * w.rows));
    for (int64_t t = 0; t < 40; ++t)
      matmul(type, w.matmul_data(), w.rows, cols, x.data() + t * cols, 1, alone.data() + t * w.rows, w.layout);
    for (int64_t batch : {2, 3, 4, 5, 9, 40}) {
      std::vector<float> together(static_cast<size_t>(batch * w.rows));
      matmul(type, w.matmul_data(), w.rows, cols, x.data(), batch, together.data(), w.layout);
      for (int64_t i = 0; i < batch * w.rows; ++i)
        ASSERT_EQ(together[i], alone[i]) << "batch " << batch << ", token " << i / w.rows << ", row " << i % w.rows;
    }
  }
}

// A table without interleaved kernels (ref) reads interleaved weights row by row: the same
// results as from the plain rows.
TEST(InterleavedExactPath, SameAsPlainRows) {
  const std::string saved{isa_name()};
  ASSERT_TRUE(set_isa("ref").is_ok());
  for (DType type : {DType::Q4_0, DType::Q8_0, DType::Q4_K, DType::Q6_K}) {
    const Weights plain = random_weights(type, 16, 512, 5);
    const Weights packed = interleaved(plain);
    for (int64_t n_tokens : {1, 3}) {
      const std::vector<float> x = random_activations(n_tokens * 512, 3, false);
      std::vector<float> want(static_cast<size_t>(16 * n_tokens)), got(want.size());
      matmul(type, plain.row(0), 16, 512, x.data(), n_tokens, want.data());
      matmul(type, packed.matmul_data(), 16, 512, x.data(), n_tokens, got.data(), packed.layout);
      EXPECT_EQ(got, want) << dtype_name(type) << " tokens " << n_tokens;
    }
  }
  ASSERT_TRUE(set_isa(saved).is_ok());
}

INSTANTIATE_TEST_SUITE_P(Isas, FastMatmul, ::testing::Values("avx2", "avx512"));

}  // namespace
}  // namespace hearth::kernels

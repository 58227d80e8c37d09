// Bytes of weights per token, checked against sums made here from the reference models' tensor
// dumps (models-meta/*.txt, written by gguf-py) with the ggml block sizes written out below.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "model/model.h"
#include "perf/weight_traffic.h"

namespace hearth::perf {
namespace {

std::string testdata(const std::string& rel) { return std::string(HEARTH_TESTDATA) + "/" + rel; }

// (elements per block, bytes per block) of the ggml types the reference models use.
const std::map<std::string, std::pair<uint64_t, uint64_t>>& block_sizes() {
  static const std::map<std::string, std::pair<uint64_t, uint64_t>> sizes = {
      {"F32", {1, 4}},      {"F16", {1, 2}},      {"BF16", {1, 2}},     {"Q4_0", {32, 18}},
      {"Q4_1", {32, 20}},   {"Q5_0", {32, 22}},   {"Q5_1", {32, 24}},   {"Q8_0", {32, 34}},
      {"Q2_K", {256, 84}},  {"Q3_K", {256, 110}}, {"Q4_K", {256, 144}}, {"Q5_K", {256, 176}},
      {"Q6_K", {256, 210}}, {"IQ4_NL", {32, 18}}, {"IQ4_XS", {256, 136}}, {"MXFP4", {32, 17}}};
  return sizes;
}

struct MetaTensor {
  std::string name;
  uint64_t elements = 0, rows = 0, bytes = 0;
};
struct Meta {
  std::vector<MetaTensor> tensors;
  int32_t n_expert = 0, n_expert_used = 0;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::istringstream in(s);
  for (std::string part; std::getline(in, part, sep);) parts.push_back(part);
  return parts;
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(' ');
  const auto last = s.find_last_not_of(' ');
  return first == std::string::npos ? std::string() : s.substr(first, last - first + 1);
}

// Parses "  3:     130816 |   256,   511,     1,     1 | Q8_0    | token_embd.weight" lines
// and the "<arch>.expert_count = 8" / "expert_used_count" keys.
Meta read_meta(const std::string& stem) {
  Meta m;
  std::ifstream in(testdata("models-meta/" + stem + ".txt"));
  EXPECT_TRUE(in) << stem;
  for (std::string line; std::getline(in, line);) {
    const auto fields = split(line, '|');
    for (const char* key : {".expert_count = ", ".expert_used_count = "}) {
      const auto at = line.find(key);
      if (at == std::string::npos) continue;
      const int value = std::stoi(line.substr(at + std::string(key).size()));
      (std::string(key) == ".expert_count = " ? m.n_expert : m.n_expert_used) = value;
    }
    if (fields.size() != 4 || line.find("tensor_count") != std::string::npos) continue;
    const auto dims = split(fields[1], ',');
    const auto colon = fields[0].find(':');
    if (dims.size() != 4 || colon == std::string::npos) continue;  // a metadata line
    MetaTensor t;
    t.name = trim(fields[3]);
    t.elements = std::stoull(fields[0].substr(colon + 1));
    t.rows = std::stoull(dims[1]) * std::stoull(dims[2]) * std::stoull(dims[3]);
    const std::string type = trim(fields[2]);
    const auto it = block_sizes().find(type);
    EXPECT_NE(it, block_sizes().end()) << "type " << type << " of " << t.name;
    if (it != block_sizes().end()) t.bytes = t.elements / it->second.first * it->second.second;
    m.tensors.push_back(t);
  }
  return m;
}

// The expected bytes per generated token, by the rules of the brief: experts at the used
// share, token_embd one row (unless it doubles as the output), everything else in full.
uint64_t expected_bytes_per_token(const Meta& m) {
  bool tied = true;
  for (const auto& t : m.tensors) tied = tied && t.name != "output.weight";
  uint64_t bytes = 0;
  for (const auto& t : m.tensors) {
    if (t.name.find("_exps.") != std::string::npos) {
      bytes += t.bytes / m.n_expert * m.n_expert_used;
    } else if (t.name == "token_embd.weight" && !tied) {
      bytes += t.bytes / t.rows;
    } else {
      bytes += t.bytes;
    }
  }
  return bytes;
}

class WeightTrafficOnModels : public ::testing::TestWithParam<std::string> {};

TEST_P(WeightTrafficOnModels, MatchesSumsOfTheTensorDump) {
  const std::string stem = GetParam();
  const Meta meta = read_meta(stem);
  ASSERT_FALSE(meta.tensors.empty());
  auto file = gguf::GgufFile::open(testdata("models/" + stem + ".gguf"));
  ASSERT_TRUE(file) << file.message();
  ASSERT_EQ(meta.tensors.size(), (*file)->tensors().size());
  auto w = weight_traffic((*file)->tensors(), meta.n_expert, meta.n_expert_used);
  ASSERT_TRUE(w) << w.message();

  uint64_t total = 0, params = 0;
  for (const auto& t : meta.tensors) {
    total += t.bytes;
    params += t.elements;
  }
  EXPECT_EQ(w->total_bytes, total);
  EXPECT_EQ(w->n_params, params);
  EXPECT_EQ(w->bytes_per_token(), expected_bytes_per_token(meta));
  // One token in a batch reads what one generated token does; a large batch spreads the whole
  // model (every expert touched) over its tokens.
  EXPECT_NEAR(w->bytes_per_batch_token(1), static_cast<double>(w->bytes_per_token()), 1e-6 * total);
  const double big = 1 << 20;
  EXPECT_NEAR(w->bytes_per_batch_token(1 << 20) * big, static_cast<double>(total), 1e-6 * total);
}

INSTANTIATE_TEST_SUITE_P(ReferenceModels, WeightTrafficOnModels,
                         ::testing::Values("qwen3moe-Q8_0", "qwen3moe-Q4_K_M", "gpt-oss-MXFP4_MOE",
                                           "llama-spm-Q4_0", "qwen2-Q8_0", "gemma3-Q4_K_M"),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& c : s) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return s;
                         });

TEST(WeightTraffic, MoeCountsOnlyTheActiveExperts) {
  // qwen3moe-Q8_0: 2 of 8 experts used; each expert tensor is 256 x 256 x 8 Q8_0.
  auto model = Model::load(testdata("models/qwen3moe-Q8_0.gguf"));
  ASSERT_TRUE(model) << model.message();
  auto w = weight_traffic(**model);
  ASSERT_TRUE(w) << w.message();
  const uint64_t expert_tensor = 256 * 256 * 8 / 32 * 34;
  EXPECT_EQ(w->expert_bytes, 2 /*layers*/ * 3 /*gate, up, down*/ * expert_tensor);
  EXPECT_EQ(w->n_expert, 8);
  EXPECT_EQ(w->n_expert_used, 2);
  // With every expert used, the expert tensors would count 6/8 of their bytes more.
  auto all_used = weight_traffic((*model)->file().tensors(), 8, 8);
  ASSERT_TRUE(all_used);
  EXPECT_EQ(all_used->bytes_per_token() - w->bytes_per_token(), w->expert_bytes / 8 * 6);
  // Matrix-product FLOPs: attention and router in full, 2 of 8 experts, the output; not the
  // embedding lookup.
  const double dense = 2 * (256.0 * 256 * 2 + 256.0 * 128 * 2 + 256.0 * 8) + 256.0 * 511;
  const double experts = 2 * 3 * 256.0 * 256 * 2;
  EXPECT_DOUBLE_EQ(w->matmul_flops_per_token(), 2 * (dense + experts));
  // A prompt runs the output head (256 x 511) for its last token only.
  EXPECT_EQ(w->head_params, 256u * 511u);
  EXPECT_DOUBLE_EQ(w->matmul_flops_per_prompt_token(1), w->matmul_flops_per_token());
  EXPECT_DOUBLE_EQ(w->matmul_flops_per_prompt_token(4),
                   2 * (dense - 256.0 * 511 + 256.0 * 511 / 4 + experts));
}

TEST(WeightTraffic, TiedOutputReadsTheEmbeddingInFull) {
  auto file = gguf::GgufFile::open(testdata("models/qwen2-Q8_0.gguf"));
  ASSERT_TRUE(file) << file.message();
  EXPECT_EQ((*file)->find_tensor("output.weight"), nullptr);
  EXPECT_EQ(classify_tensor("token_embd.weight", /*output_is_tied=*/true), TensorRead::kFull);
  EXPECT_EQ(classify_tensor("token_embd.weight", /*output_is_tied=*/false), TensorRead::kOneRow);
  auto w = weight_traffic((*file)->tensors(), 0, 0);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->bytes_per_token(), w->total_bytes);
}

TEST(WeightTraffic, ExpertTensorsNeedConsistentExpertCounts) {
  auto file = gguf::GgufFile::open(testdata("models/qwen3moe-Q8_0.gguf"));
  ASSERT_TRUE(file) << file.message();
  auto no_experts = weight_traffic((*file)->tensors(), 0, 0);
  ASSERT_FALSE(no_experts);
  EXPECT_NE(no_experts.message().find("ffn_"), std::string::npos) << no_experts.message();
  EXPECT_FALSE(weight_traffic((*file)->tensors(), 8, 9));   // more used than exist
  auto wrong = weight_traffic((*file)->tensors(), 4, 2);    // tensors hold 8
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.message().find("8"), std::string::npos) << wrong.message();
}

TEST(AttentionFlops, CountsCausalKeysAndSlidingWindows) {
  ModelConfig c;
  c.n_layer = 2;
  c.n_head = 4;
  c.head_dim_k = c.head_dim_v = 64;
  c.layers.resize(2);
  const double per_key = 2.0 * 4 * (64 + 64);
  // Positions 0..3 see 1+2+3+4 keys in each of 2 layers.
  EXPECT_DOUBLE_EQ(attention_flops(c, 0, 4), per_key * 2 * 10);
  // From position 10, one token sees 11 keys.
  EXPECT_DOUBLE_EQ(attention_flops(c, 10, 1), per_key * 2 * 11);
  c.layers[0].sliding_window = 2;  // layer 0 sees at most 2 keys: 1+2+2+2
  EXPECT_DOUBLE_EQ(attention_flops(c, 0, 4), per_key * (7 + 10));
}

}  // namespace
}  // namespace hearth::perf

// Architecture tables against the reference models: every tensor a file holds is one the table
// lists with that exact shape, every required one is present, and configs survive a round trip
// through GGUF keys.
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "model/arch.h"
#include "model_files.h"

namespace hearth {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> model_files() {
  std::vector<std::string> paths;
  for (const auto& e : fs::directory_iterator(testing::testdata("models"))) {
    if (e.path().filename().string().rfind("gpt-oss", 0) == 0) continue;
    paths.push_back(e.path().string());
  }
  for (const char* real : {"real/stories260K.gguf", "real/TinyStories-656K-Q8_0.gguf"}) {
    paths.push_back(testing::testdata(real));
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

TEST(Arch, TablesMatchEveryReferenceFile) {
  for (const std::string& path : model_files()) {
    SCOPED_TRACE(path);
    auto file = gguf::GgufFile::open(path);
    ASSERT_TRUE(file.is_ok()) << file.message();
    auto config = config_from_gguf(**file);
    ASSERT_TRUE(config.is_ok()) << config.message();
    std::map<std::string, TensorSpec> specs;
    for (const TensorSpec& s : tensor_specs(*config)) specs[s.name] = s;
    for (const gguf::TensorInfo& t : (*file)->tensors()) {
      auto it = specs.find(t.name);
      ASSERT_NE(it, specs.end()) << "tensor not in the table: " << t.name;
      std::vector<uint64_t> ne = t.ne;
      while (ne.size() > it->second.ne.size() && ne.back() == 1) ne.pop_back();
      EXPECT_EQ(ne, it->second.ne) << t.name;
      EXPECT_EQ(it->second.matrix, t.ne.size() >= 2 && t.ne[1] > 1) << t.name;
    }
    for (const auto& [name, spec] : specs) {
      if (spec.required) {
        EXPECT_NE((*file)->find_tensor(name), nullptr) << "missing " << name;
      }
    }
  }
}

TEST(Arch, ConfigsOfTheReferenceModels) {
  auto read = [](const std::string& stem) {
    auto file = gguf::GgufFile::open(testing::model_path(stem));
    EXPECT_TRUE(file.is_ok()) << file.message();
    auto c = config_from_gguf(**file);
    EXPECT_TRUE(c.is_ok()) << c.message();
    return std::move(c).value();
  };
  const ModelConfig gemma = read("gemma3-F16");
  EXPECT_EQ(gemma.rope, RopeStyle::kNeox);
  EXPECT_EQ(gemma.act, Activation::kGeluTanh);
  EXPECT_TRUE(gemma.tied_output);
  EXPECT_FLOAT_EQ(gemma.embd_scale, 16.0f);
  ASSERT_EQ(gemma.layers.size(), 3u);
  EXPECT_EQ(gemma.layers[0].sliding_window, 64);
  EXPECT_EQ(gemma.layers[1].sliding_window, 64);
  EXPECT_EQ(gemma.layers[2].sliding_window, 0);
  EXPECT_FLOAT_EQ(gemma.layers[0].rope_theta, 10000.0f);
  EXPECT_FLOAT_EQ(gemma.layers[2].rope_theta, 1000000.0f);

  const ModelConfig moe = read("qwen3moe-F16");
  EXPECT_EQ(moe.n_expert, 8);
  EXPECT_EQ(moe.n_expert_used, 2);
  EXPECT_EQ(moe.n_ff_expert, 256);
  EXPECT_TRUE(moe.layers[0].is_moe && moe.layers[1].is_moe);

  const ModelConfig bert = read("bert-F16");
  EXPECT_FALSE(bert.causal);
  EXPECT_EQ(bert.norm, NormKind::kLayer);
  EXPECT_EQ(bert.norm_placement, NormPlacement::kPost);
  EXPECT_EQ(bert.pooling, Pooling::kMean);
  EXPECT_EQ(bert.n_head_kv, bert.n_head);
  EXPECT_EQ(bert.n_token_types, 2);

  const ModelConfig llama = read("llama-spm-F32");
  EXPECT_EQ(llama.rope, RopeStyle::kNormal);
  EXPECT_FALSE(llama.tied_output);
  EXPECT_EQ(read("qwen2-F16").rope, RopeStyle::kNeox);
  EXPECT_TRUE(read("qwen2-F16").tied_output);
}

void expect_same(const ModelConfig& a, const ModelConfig& b) {
  EXPECT_EQ(a.arch, b.arch);
  EXPECT_EQ(a.n_vocab, b.n_vocab);
  EXPECT_EQ(a.n_ctx_train, b.n_ctx_train);
  EXPECT_EQ(a.n_embd, b.n_embd);
  EXPECT_EQ(a.n_layer, b.n_layer);
  EXPECT_EQ(a.n_head, b.n_head);
  EXPECT_EQ(a.n_head_kv, b.n_head_kv);
  EXPECT_EQ(a.head_dim_k, b.head_dim_k);
  EXPECT_EQ(a.head_dim_v, b.head_dim_v);
  EXPECT_EQ(a.n_ff, b.n_ff);
  EXPECT_EQ(a.n_expert, b.n_expert);
  EXPECT_EQ(a.n_expert_used, b.n_expert_used);
  EXPECT_EQ(a.n_ff_expert, b.n_ff_expert);
  EXPECT_FLOAT_EQ(a.norm_eps, b.norm_eps);
  EXPECT_EQ(a.rope, b.rope);
  EXPECT_FLOAT_EQ(a.rope_theta, b.rope_theta);
  EXPECT_FLOAT_EQ(a.rope_freq_scale, b.rope_freq_scale);
  EXPECT_EQ(a.n_rot, b.n_rot);
  EXPECT_FLOAT_EQ(a.embd_scale, b.embd_scale);
  EXPECT_FLOAT_EQ(a.attn_scale, b.attn_scale);
  EXPECT_EQ(a.causal, b.causal);
  EXPECT_EQ(a.pooling, b.pooling);
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    EXPECT_EQ(a.layers[i].sliding_window, b.layers[i].sliding_window) << i;
    EXPECT_FLOAT_EQ(a.layers[i].rope_theta, b.layers[i].rope_theta) << i;
    EXPECT_EQ(a.layers[i].is_moe, b.layers[i].is_moe) << i;
  }
}

TEST(Arch, ConfigRoundTripsThroughKeys) {
  for (const std::string& path : model_files()) {
    SCOPED_TRACE(path);
    auto file = gguf::GgufFile::open(path);
    ASSERT_TRUE(file.is_ok());
    auto config = config_from_gguf(**file);
    ASSERT_TRUE(config.is_ok());
    gguf::GgufWriter writer;
    for (const gguf::KeyValue& kv : config_to_gguf(*config)) writer.set(kv.key, kv.value);
    const std::vector<uint8_t> bytes = writer.to_bytes();
    auto again_file = gguf::GgufFile::from_memory(bytes);
    ASSERT_TRUE(again_file.is_ok()) << again_file.message();
    auto again = config_from_gguf(**again_file);
    ASSERT_TRUE(again.is_ok()) << again.message();
    expect_same(*config, *again);
  }
}

TEST(Arch, GemmaLayerPatternsRoundTrip) {
  auto file = gguf::GgufFile::open(testing::model_path("gemma3-F16"));
  ASSERT_TRUE(file.is_ok());
  ModelConfig c = *config_from_gguf(**file);
  // A layout no period describes: written as one bool per layer.
  c.layers[0].sliding_window = 0;
  c.layers[1].sliding_window = 64;
  c.layers[2].sliding_window = 0;
  c.layers[1].rope_theta = 10000.0f;
  c.layers[0].rope_theta = c.layers[2].rope_theta = c.rope_theta;
  gguf::GgufWriter writer;
  for (const gguf::KeyValue& kv : config_to_gguf(c)) writer.set(kv.key, kv.value);
  const std::vector<uint8_t> bytes = writer.to_bytes();
  auto again = config_from_gguf(**gguf::GgufFile::from_memory(bytes));
  ASSERT_TRUE(again.is_ok()) << again.message();
  expect_same(c, *again);
}

TEST(Arch, UnknownArchitectureHasNoSpecs) {
  ModelConfig c;
  c.arch = "mamba9";
  EXPECT_TRUE(tensor_specs(c).empty());
  EXPECT_EQ(supported_architectures().size(), 6u);
}

}  // namespace
}  // namespace hearth

// Bad model files give clear errors that name the tensor or key (never a crash).
#include <gtest/gtest.h>

#include "model/model.h"
#include "model_files.h"

namespace hearth {
namespace {

using testing::rewrite_gguf;
using testing::TensorEdit;
using testing::temp_path;

const std::string kSource = testing::testdata("real/stories260K.gguf");

// Loads `path` and returns its error message ("" if it loaded).
std::string load_error(const std::string& path) {
  auto m = Model::load(path);
  return m ? std::string() : m.message();
}

TEST(LoadErrors, SourceModelLoads) { EXPECT_EQ(load_error(kSource), ""); }

TEST(LoadErrors, GgufVersion1IsRejected) {
  const std::string msg = load_error(testing::testdata("real/stories260K-gguf-v1.gguf"));
  EXPECT_NE(msg.find("version 1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("stories260K-gguf-v1.gguf"), std::string::npos) << msg;
}

TEST(LoadErrors, MissingFile) {
  const std::string msg = load_error(temp_path("does_not_exist.gguf"));
  EXPECT_NE(msg.find("does_not_exist.gguf"), std::string::npos) << msg;
}

TEST(LoadErrors, MissingRequiredTensorIsNamed) {
  const std::string path = temp_path("missing_tensor.gguf");
  ASSERT_EQ(rewrite_gguf(kSource, path, [](TensorEdit& e) {
              if (e.name == "blk.3.ffn_up.weight") e.keep = false;
            }), "");
  const std::string msg = load_error(path);
  EXPECT_NE(msg.find("'blk.3.ffn_up.weight' is missing"), std::string::npos) << msg;
}

TEST(LoadErrors, WrongShapeIsNamed) {
  const std::string path = temp_path("wrong_shape.gguf");
  // attn_q is [64, 64]; store it as [64, 32] (the data shrinks to match, so the file is valid).
  ASSERT_EQ(rewrite_gguf(kSource, path, [](TensorEdit& e) {
              if (e.name != "blk.1.attn_q.weight") return;
              e.ne = {64, 32};
              e.data.resize(e.data.size() / 2);
            }), "");
  const std::string msg = load_error(path);
  EXPECT_NE(msg.find("'blk.1.attn_q.weight' has shape [64, 32]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expects [64, 64]"), std::string::npos) << msg;
}

TEST(LoadErrors, UnsupportedTypeIsNamed) {
  // Q8_1: a type whose layout hearth knows but that it has no kernels for.
  const std::string path = temp_path("unsupported_type2.gguf");
  ASSERT_EQ(rewrite_gguf(testing::testdata("real/TinyStories-656K-Q8_0.gguf"), path,
                         [](TensorEdit& e) {
                           if (e.name != "blk.0.attn_v.weight") return;
                           const DTypeTraits& t = traits(DType::Q8_1);
                           e.dtype = DType::Q8_1;
                           e.data.assign(64 * (128 / t.block_elems) * t.block_bytes, 0);
                         }), "");
  const std::string msg = load_error(path);
  EXPECT_NE(msg.find("'blk.0.attn_v.weight' has type Q8_1"), std::string::npos) << msg;
}

TEST(LoadErrors, UnknownArchitectureListsSupported) {
  const std::string path = temp_path("unknown_arch.gguf");
  ASSERT_EQ(rewrite_gguf(kSource, path, nullptr, [](gguf::KeyValue& kv) {
              if (kv.key == "general.architecture") kv.value = gguf::Value::of_string("mamba9");
              return true;
            }), "");
  const std::string msg = load_error(path);
  EXPECT_NE(msg.find("'mamba9' is not supported"), std::string::npos) << msg;
  EXPECT_NE(msg.find("qwen3moe"), std::string::npos) << msg;
}

TEST(LoadErrors, MissingKeyIsNamed) {
  const std::string path = temp_path("missing_key.gguf");
  ASSERT_EQ(rewrite_gguf(kSource, path, nullptr, [](gguf::KeyValue& kv) {
              return kv.key != "llama.embedding_length";
            }), "");
  const std::string msg = load_error(path);
  EXPECT_NE(msg.find("'llama.embedding_length'"), std::string::npos) << msg;
}

TEST(LoadErrors, AbsurdKeyValueIsRejected) {
  const std::string path = temp_path("absurd_key.gguf");
  ASSERT_EQ(rewrite_gguf(kSource, path, nullptr, [](gguf::KeyValue& kv) {
              if (kv.key == "llama.block_count") {
                kv.value = gguf::Value::of_uint(gguf::ValueType::UINT32, 1000000);
              }
              return true;
            }), "");
  const std::string msg = load_error(path);
  EXPECT_NE(msg.find("block_count"), std::string::npos) << msg;
}

TEST(LoadErrors, HeadCountNotDividingIsRejected) {
  const std::string path = temp_path("bad_heads.gguf");
  ASSERT_EQ(rewrite_gguf(kSource, path, nullptr, [](gguf::KeyValue& kv) {
              if (kv.key == "llama.attention.head_count_kv") {
                kv.value = gguf::Value::of_uint(gguf::ValueType::UINT32, 3);
              }
              return true;
            }), "");
  const std::string msg = load_error(path);
  EXPECT_NE(msg.find("n_head_kv"), std::string::npos) << msg;
}

}  // namespace
}  // namespace hearth

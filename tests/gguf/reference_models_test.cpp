// Opens every reference model and checks it against gguf-py's dumps (models-meta/) and
// dequantised values (dequant/), both written by tools independent of hearth.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "gguf/gguf_file.h"
#include "gguf/model_dump.h"
#include "gguf/test_paths.h"

namespace hearth::gguf {
namespace {

using testing::DumpedKey;
using testing::PyLiteral;

// gguf_dump's type label: "UINT32", "[STRING]", "[[INT32]]" for nested arrays.
std::string type_label(const Value& v) {
  const Array* a = v.as_array();
  if (a == nullptr) return std::string(value_type_name(v.type()));
  const bool nested = a->elem_type == ValueType::ARRAY && !a->items.empty();
  return fmt::format("[{}]", nested ? type_label(a->items[0]) : value_type_name(a->elem_type));
}

// gguf_dump shows at most 60 characters of a string and then "...".
void expect_string_matches(const std::string& actual, const std::string& shown) {
  const std::string ellipsis = "...";
  if (actual == shown) return;
  ASSERT_GE(shown.size(), ellipsis.size()) << "actual '" << actual << "' shown '" << shown << "'";
  ASSERT_EQ(shown.substr(shown.size() - 3), ellipsis) << "actual '" << actual << "'";
  const std::string prefix = shown.substr(0, shown.size() - 3);
  EXPECT_EQ(actual.substr(0, prefix.size()), prefix);
  EXPECT_GT(actual.size(), prefix.size());
}

void expect_scalar_matches(const Value& v, const PyLiteral& lit) {
  switch (lit.kind) {
    case PyLiteral::Kind::kBool:
      ASSERT_TRUE(v.as_bool().has_value()) << value_type_name(v.type());
      EXPECT_EQ(*v.as_bool(), lit.boolean);
      break;
    case PyLiteral::Kind::kString:
      ASSERT_NE(v.as_string(), nullptr) << value_type_name(v.type());
      expect_string_matches(*v.as_string(), lit.text);
      break;
    case PyLiteral::Kind::kNumber:
      if (v.type() == ValueType::FLOAT32 || v.type() == ValueType::FLOAT64) {
        // Python prints the shortest repr of the double, which reads back exactly.
        EXPECT_EQ(*v.as_float(), std::strtod(lit.text.c_str(), nullptr)) << lit.text;
      } else if (lit.text[0] == '-') {
        ASSERT_TRUE(v.as_int().has_value());
        EXPECT_EQ(*v.as_int(), std::strtoll(lit.text.c_str(), nullptr, 10));
      } else {
        ASSERT_TRUE(v.as_uint().has_value()) << value_type_name(v.type());
        EXPECT_EQ(*v.as_uint(), std::strtoull(lit.text.c_str(), nullptr, 10));
      }
      break;
    case PyLiteral::Kind::kList:
      FAIL() << "a list where a scalar was expected";
  }
}

void expect_value_matches(const Value& v, const DumpedKey& dumped) {
  EXPECT_EQ(type_label(v), dumped.type);
  const Array* a = v.as_array();
  EXPECT_EQ(a ? a->items.size() : 1u, dumped.count);
  if (!dumped.value) return;
  const PyLiteral& lit = *dumped.value;
  if (a == nullptr) {
    expect_scalar_matches(v, lit);
    return;
  }
  ASSERT_EQ(lit.kind, PyLiteral::Kind::kList);
  ASSERT_LE(lit.items.size(), a->items.size());
  EXPECT_EQ(lit.list_truncated, lit.items.size() < a->items.size());
  for (size_t i = 0; i < lit.items.size(); ++i) {
    SCOPED_TRACE("item " + std::to_string(i));
    expect_scalar_matches(a->items[i], lit.items[i]);
  }
}

void expect_matches_dump(const GgufFile& f, const testing::ModelDump& dump) {
  ASSERT_EQ(dump.keys.size(), dump.n_dumped_keys);
  ASSERT_GE(dump.keys.size(), 3u);
  // The first three entries are gguf_dump's pseudo keys for the header fields.
  EXPECT_EQ(dump.keys[0].key, "GGUF.version");
  EXPECT_EQ(std::to_string(f.version()), dump.keys[0].value->text);
  EXPECT_EQ(std::to_string(f.tensors().size()), dump.keys[1].value->text);
  EXPECT_EQ(std::to_string(f.metadata().size()), dump.keys[2].value->text);
  ASSERT_EQ(f.metadata().size(), dump.keys.size() - 3);
  for (size_t i = 0; i < f.metadata().size(); ++i) {
    const KeyValue& kv = f.metadata()[i];
    const DumpedKey& dumped = dump.keys[i + 3];
    SCOPED_TRACE("key " + dumped.key);
    EXPECT_EQ(kv.key, dumped.key);
    EXPECT_EQ(f.find(dumped.key), &kv.value);
    expect_value_matches(kv.value, dumped);
  }
  ASSERT_EQ(f.tensors().size(), dump.tensors.size());
  for (size_t i = 0; i < dump.tensors.size(); ++i) {
    const TensorInfo& t = f.tensors()[i];
    const auto& dumped = dump.tensors[i];
    SCOPED_TRACE("tensor " + dumped.name);
    EXPECT_EQ(t.name, dumped.name);
    EXPECT_EQ(f.find_tensor(dumped.name), &t);
    std::vector<uint64_t> ne4 = t.ne;
    ne4.resize(4, 1);
    EXPECT_EQ(ne4, dumped.ne);
    EXPECT_EQ(t.n_elements, dumped.n_elements);
    ASSERT_TRUE(t.known_type);
    EXPECT_EQ(dtype_name(t.dtype), dumped.type);
  }
}

// Zero copy: every tensor points into the file image where its offset says, and the bytes
// there are the file's bytes.
void expect_tensors_in_place(const GgufFile& f) {
  EXPECT_EQ(f.data_offset() % f.alignment(), 0u);
  EXPECT_GE(f.data_offset(), 24u);
  for (const auto& t : f.tensors()) {
    SCOPED_TRACE(t.name);
    ASSERT_NE(t.data, nullptr);
    EXPECT_EQ(t.data, f.bytes().data() + f.data_offset() + t.offset);
    EXPECT_EQ(t.offset % f.alignment(), 0u);
    EXPECT_LE(f.data_offset() + t.offset + t.nbytes, f.file_size());
    const auto& tr = traits(t.dtype);
    EXPECT_EQ(t.nbytes, t.n_elements / tr.block_elems * tr.block_bytes);
  }
}

TEST(ReferenceModels, EveryModelMatchesItsDump) {
  const auto models = testing::gguf_files("models");
  ASSERT_FALSE(models.empty()) << "no models under " << testing::testdata("models");
  for (const auto& path : models) {
    SCOPED_TRACE(path);
    auto file = GgufFile::open(path);
    ASSERT_TRUE(file.is_ok()) << file.message();
    const std::string stem = std::filesystem::path(path).stem().string();
    auto dump = testing::read_model_dump(testing::testdata("models-meta/" + stem + ".txt"));
    ASSERT_TRUE(std::holds_alternative<testing::ModelDump>(dump)) << std::get<std::string>(dump);
    expect_matches_dump(**file, std::get<testing::ModelDump>(dump));
    expect_tensors_in_place(**file);
    EXPECT_EQ((*file)->path(), path);
  }
}

TEST(ReferenceModels, MappedBytesAreTheFileBytes) {
  const std::string path = testing::testdata("models/qwen3-Q4_K_M.gguf");
  auto file = GgufFile::open(path);
  ASSERT_TRUE(file.is_ok()) << file.message();
  const auto bytes = testing::read_bytes(path);
  ASSERT_EQ((*file)->file_size(), bytes.size());
  for (const auto& t : (*file)->tensors()) {
    ASSERT_EQ(std::memcmp(t.data, bytes.data() + (*file)->data_offset() + t.offset, t.nbytes), 0)
        << t.name;
  }
}

float half_to_float(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float mag;
  if (exp == 0) {
    mag = std::ldexp(static_cast<float>(mant), -24);
  } else if (exp == 31) {
    mag = mant ? NAN : INFINITY;
  } else {
    mag = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  }
  return sign ? -mag : mag;
}

float element(const TensorInfo& t, uint64_t i) {
  if (t.dtype == DType::F16) {
    uint16_t h;
    std::memcpy(&h, t.data + 2 * i, 2);
    return half_to_float(h);
  }
  if (t.dtype == DType::BF16) {
    uint16_t b;
    std::memcpy(&b, t.data + 2 * i, 2);
    const uint32_t bits = static_cast<uint32_t>(b) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  float f;
  std::memcpy(&f, t.data + 4 * i, 4);
  return f;
}

// The plain-type tensors of dequant/*.json give exact values: they show the data pointers
// land on the right bytes in every model.
TEST(ReferenceModels, PlainTensorDataMatchesDequantDumps) {
  int checked = 0;
  for (const auto& path : testing::gguf_files("models")) {
    const std::string stem = std::filesystem::path(path).stem().string();
    std::ifstream in(testing::testdata("dequant/" + stem + ".dequant.json"));
    if (!in) continue;
    const auto ref = nlohmann::json::parse(in);
    auto file = GgufFile::open(path);
    ASSERT_TRUE(file.is_ok()) << file.message();
    for (const auto& rt : ref["tensors"]) {
      const std::string type = rt["type"];
      if (type != "F32" && type != "F16" && type != "BF16") continue;
      const TensorInfo* t = (*file)->find_tensor(rt["tensor"].get<std::string>());
      SCOPED_TRACE(stem + " " + rt["tensor"].get<std::string>());
      ASSERT_NE(t, nullptr);
      ASSERT_EQ(dtype_name(t->dtype), type);
      ASSERT_EQ(t->ne, rt["ne"].get<std::vector<uint64_t>>());
      const auto& rows = rt["rows"];
      for (size_t r = 0; r < rows.size(); ++r) {
        for (size_t i = 0; i < rows[r].size(); ++i) {
          ASSERT_EQ(element(*t, r * t->ne[0] + i), rows[r][i].get<float>()) << r << "," << i;
        }
      }
      double sum = 0, sumsq = 0;
      for (uint64_t i = 0; i < t->n_elements; ++i) {
        const double x = element(*t, i);
        sum += x;
        sumsq += x * x;
      }
      const double ref_sum = rt["sum"], ref_sumsq = rt["sumsq"];
      EXPECT_NEAR(sum, ref_sum, 1e-9 * std::max(1.0, std::abs(ref_sum)));
      EXPECT_NEAR(sumsq, ref_sumsq, 1e-9 * std::max(1.0, ref_sumsq));
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

TEST(ReferenceModels, RealModelsOpen) {
  auto q2 = GgufFile::open(testing::testdata("real/TinyStories-656K-Q2_K.gguf"));
  ASSERT_TRUE(q2.is_ok()) << q2.message();
  // SOURCES.md: rows of 128 force 14 tensors to IQ4_NL and the embedding to Q8_0.
  std::map<std::string, int> per_type;
  for (const auto& t : (*q2)->tensors()) ++per_type[std::string(dtype_name(t.dtype))];
  EXPECT_EQ(per_type["IQ4_NL"], 14);
  ASSERT_NE((*q2)->find_tensor("token_embd.weight"), nullptr);
  EXPECT_EQ((*q2)->find_tensor("token_embd.weight")->dtype, DType::Q8_0);
  EXPECT_EQ((*q2)->get_uint("llama.block_count").value(), 2u);

  for (const char* name : {"real/TinyStories-656K-Q8_0.gguf", "real/stories260K.gguf"}) {
    SCOPED_TRACE(name);
    auto f = GgufFile::open(testing::testdata(name));
    ASSERT_TRUE(f.is_ok()) << f.message();
    EXPECT_EQ((*f)->get_string("general.architecture").value(), "llama");
    EXPECT_FALSE((*f)->tensors().empty());
    expect_tensors_in_place(**f);
  }
}

TEST(ReferenceModels, GgufV1IsRejectedClearly) {
  const std::string path = testing::testdata("real/stories260K-gguf-v1.gguf");
  auto f = GgufFile::open(path);
  ASSERT_FALSE(f.is_ok());
  EXPECT_NE(f.message().find(path), std::string::npos) << f.message();
  EXPECT_NE(f.message().find("GGUF version 1 is obsolete"), std::string::npos) << f.message();
  EXPECT_NE(f.message().find("re-convert"), std::string::npos) << f.message();
}

// Vocabulary-only files: no tensors, large string arrays (up to 262k tokens).
TEST(ReferenceModels, VocabularyFilesOpen) {
  const auto vocabs = testing::gguf_files("tokenizer", /*recursive=*/true);
  ASSERT_FALSE(vocabs.empty());
  for (const auto& path : vocabs) {
    SCOPED_TRACE(path);
    auto f = GgufFile::open(path);
    ASSERT_TRUE(f.is_ok()) << f.message();
    auto tokens = (*f)->get_array("tokenizer.ggml.tokens");
    ASSERT_TRUE(tokens.is_ok()) << tokens.message();
    EXPECT_EQ((*tokens)->elem_type, ValueType::STRING);
    EXPECT_GT((*tokens)->items.size(), 100u);
    if (const Value* types = (*f)->find("tokenizer.ggml.token_type")) {
      ASSERT_NE(types->as_array(), nullptr);
      EXPECT_EQ(types->as_array()->items.size(), (*tokens)->items.size());
    }
  }
}

}  // namespace
}  // namespace hearth::gguf

// golden/*.json and real/*.golden.json: the tokens llama.cpp fed the model for each prompt,
// tokenize(text, add_special=true, parse_special=true), chat-rendered prompts included.
#include <algorithm>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tokenizer/vocab_test_format.h"
#include "tokenizer_test_util.h"

namespace hearth {
namespace {

using tokenizer_testing::load_tokenizer;
using tokenizer_testing::read_text_file;
using tokenizer_testing::testdata;

struct GoldenCase {
  std::string json;  // golden file
  std::string gguf;  // the model it was made with
  std::string name;
};

void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.json; }

std::vector<GoldenCase> golden_cases() {
  std::vector<GoldenCase> out;
  const auto add_dir = [&](const std::string& dir, const std::string& suffix,
                           const std::string& models_dir) {
    const std::filesystem::path root = testdata(dir);
    if (!std::filesystem::is_directory(root)) return;
    for (const auto& e : std::filesystem::directory_iterator(root)) {
      const std::string file = e.path().filename().string();
      if (file.size() <= suffix.size() || !file.ends_with(suffix)) continue;
      const std::string stem = file.substr(0, file.size() - suffix.size());
      std::string name = dir + "_" + stem;
      for (char& c : name) {
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      out.push_back({e.path().string(), testdata(models_dir + "/" + stem + ".gguf"), name});
    }
  };
  add_dir("golden", ".json", "models");
  add_dir("real", ".golden.json", "real");
  std::sort(out.begin(), out.end(),
            [](const GoldenCase& a, const GoldenCase& b) { return a.json < b.json; });
  return out;
}

TEST(Golden, FindsTheReferenceFiles) {
  // 33 model goldens and 3 real-model goldens.
  EXPECT_GE(golden_cases().size(), 36u);
}

class GoldenTokensTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenTokensTest, MatchesLlamaCppTokens) {
  const GoldenCase& c = GetParam();
  const auto doc = nlohmann::json::parse(read_text_file(c.json));
  // The golden names its model; it must be the file beside the other references.
  ASSERT_EQ(std::filesystem::path(c.gguf).filename().string(), doc.at("model").get<std::string>());
  const Tokenizer* tok = load_tokenizer(c.gguf);
  ASSERT_NE(tok, nullptr);
  size_t passed = 0;
  size_t n = 0;
  for (const auto& cs : doc.at("cases")) {
    ++n;
    const std::string text = cs.at("text").get<std::string>();
    const auto expected = cs.at("tokens").get<std::vector<TokenId>>();
    const std::vector<TokenId> actual = tok->encode(text, true, true);
    if (actual == expected) {
      ++passed;
    } else {
      ADD_FAILURE() << "case " << n - 1 << " '" << text << "'\n  expected:"
                    << format_vocab_test_ids(expected)
                    << "\n  actual:  " << format_vocab_test_ids(actual);
    }
  }
  fmt::print("{}: {}/{} cases match\n", std::filesystem::path(c.json).filename().string(), passed,
             n);
  EXPECT_GT(n, 0u);
  EXPECT_EQ(passed, n);
}

INSTANTIATE_TEST_SUITE_P(Reference, GoldenTokensTest, ::testing::ValuesIn(golden_cases()),
                         [](const ::testing::TestParamInfo<GoldenCase>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace hearth

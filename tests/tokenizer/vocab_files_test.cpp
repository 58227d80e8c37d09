// Every VOCAB.gguf + .inp + .out triple of the reference data (llama.cpp's tokenizer test
// format, ids made by llama.cpp b10573): tokenize(text, add_special=false,
// parse_special=false) must give exactly the expected ids.
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tokenizer/vocab_test_format.h"
#include "tokenizer_test_util.h"

namespace hearth {
namespace {

using tokenizer_testing::listing;
using tokenizer_testing::Listing;
using tokenizer_testing::load_tokenizer;
using tokenizer_testing::VocabCase;
using tokenizer_testing::read_text_file;

TEST(VocabFiles, FindsTheReferenceFiles) {
  const Listing& l = listing();
  fmt::print("{} vocabularies with .inp/.out; {} .inp/.out skipped (no GGUF):", l.cases.size(),
             l.without_gguf.size());
  for (const auto& p : l.without_gguf) {
    fmt::print(" {}", std::filesystem::path(p).filename().string());
  }
  fmt::print("\n");
  // 10 llama.cpp vocabularies + 3 hf + 2 reconstructed + 6 synthetic. Skipped: command-r,
  // gemma-4 and qwen35 (no vocabulary), llama-bpe and qwen2 (theirs is in reconstructed/).
  EXPECT_GE(l.cases.size(), 21u);
}

class VocabFileTest : public ::testing::TestWithParam<VocabCase> {};

TEST_P(VocabFileTest, MatchesLlamaCppIds) {
  const VocabCase& c = GetParam();
  const Tokenizer* tok = load_tokenizer(c.gguf);
  ASSERT_NE(tok, nullptr);
  const std::vector<std::string> texts = split_vocab_test_inputs(read_text_file(c.gguf + ".inp"));
  std::vector<std::string> lines;
  {
    const std::string out = read_text_file(c.gguf + ".out");
    size_t pos = 0;
    while (pos < out.size()) {
      const size_t nl = out.find('\n', pos);
      lines.push_back(out.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
  }
  ASSERT_EQ(texts.size(), lines.size()) << c.gguf;
  size_t passed = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<TokenId> expected;
    ASSERT_TRUE(parse_vocab_test_ids(lines[i], expected)) << "line " << i + 1;
    const std::vector<TokenId> actual = tok->encode(texts[i], false, false);
    if (actual == expected) {
      ++passed;
    } else {
      ADD_FAILURE() << "text " << i << " '" << texts[i] << "'\n  expected:"
                    << format_vocab_test_ids(expected)
                    << "\n  actual:  " << format_vocab_test_ids(actual);
    }
  }
  fmt::print("{}: {}/{} texts match\n", std::filesystem::path(c.gguf).filename().string(), passed,
             texts.size());
  EXPECT_EQ(passed, texts.size());
}

INSTANTIATE_TEST_SUITE_P(Reference, VocabFileTest, ::testing::ValuesIn(listing().cases),
                         [](const ::testing::TestParamInfo<VocabCase>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace hearth

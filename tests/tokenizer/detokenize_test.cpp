// hf/*.detok.json: id sequences with the exact bytes they stand for (Hugging Face tokenizers
// and llama.cpp agree on them), pushed one id at a time through StreamingDetokenizer.
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tokenizer/utf8.h"
#include "tokenizer_test_util.h"

namespace hearth {
namespace {

using tokenizer_testing::hex;
using tokenizer_testing::load_tokenizer;
using tokenizer_testing::read_text_file;
using tokenizer_testing::testdata;

// Positions strictly inside a well-formed multi-byte character of `bytes`.
std::vector<bool> inside_character(const std::string& bytes) {
  std::vector<bool> inside(bytes.size() + 1, false);
  size_t offset = 0;
  while (offset < bytes.size()) {
    const size_t start = offset;
    const uint32_t cpt = utf8::decode_one(bytes, offset);
    const bool well_formed = cpt != utf8::kReplacement || offset - start == 3;
    if (well_formed) {
      for (size_t i = start + 1; i < offset; ++i) inside[i] = true;
    }
  }
  return inside;
}

// Pushes ids one by one and returns everything push() and flush() gave; checks that no chunk
// ends inside a character that a later token completes.
std::string stream(const Tokenizer& tok, const std::vector<TokenId>& ids,
                   StreamingDetokenizerOptions options, const std::string& context) {
  StreamingDetokenizer detok(tok, options);
  std::string all;
  std::vector<size_t> cuts;
  for (TokenId id : ids) {
    all += detok.push(id);
    cuts.push_back(all.size());
  }
  all += detok.flush();
  const std::vector<bool> inside = inside_character(all);
  for (size_t cut : cuts) {
    EXPECT_FALSE(inside[cut]) << context << ": output cut at byte " << cut << " of " << hex(all);
  }
  return all;
}

class DetokenizeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DetokenizeTest, StreamsExactBytes) {
  const std::string stem = GetParam();
  const std::string json_path = testdata("tokenizer/hf/vocab-" + stem + ".detok.json");
  const Tokenizer* tok = load_tokenizer(testdata("tokenizer/hf/vocab-" + stem + ".gguf"));
  ASSERT_NE(tok, nullptr);
  const auto doc = nlohmann::json::parse(read_text_file(json_path));
  size_t passed = 0;
  size_t n = 0;
  for (const auto& seq : doc.at("sequences")) {
    ++n;
    const auto ids = seq.at("ids").get<std::vector<TokenId>>();
    const std::string what = seq.at("description").get<std::string>();

    // Special tokens rendered: the tokens' bytes, control tokens as their text.
    const std::string rendered = stream(*tok, ids, {.render_special = true}, what);
    const bool bytes_ok = hex(rendered) == seq.at("expected_bytes_hex").get<std::string>();
    EXPECT_TRUE(bytes_ok) << what << ": got " << hex(rendered);

    // Default (control tokens dropped) is llama.cpp's unparse_special=false output, which
    // differs only where control tokens appear.
    const std::string plain = stream(*tok, ids, {}, what);
    const std::string want_plain = seq.contains("llama_cpp_hex_no_special")
                                       ? seq["llama_cpp_hex_no_special"].get<std::string>()
                                       : seq.at("expected_bytes_hex").get<std::string>();
    const bool plain_ok = hex(plain) == want_plain;
    EXPECT_TRUE(plain_ok) << what << " (control tokens dropped): got " << hex(plain);

    // Whole-sequence decode = llama_detokenize(remove_special=false, unparse_special=true),
    // including clean_up_tokenization_spaces where the vocabulary asks for it.
    const std::string whole = tok->decode(ids, false, true);
    const bool whole_ok = hex(whole) == seq.at("llama_cpp_hex").get<std::string>();
    EXPECT_TRUE(whole_ok) << what << " (decode): got " << hex(whole);

    // The decoded text, where the bytes are valid UTF-8, is the reference's text.
    if (utf8::is_valid(rendered)) {
      EXPECT_EQ(rendered, seq.at("expected_text").get<std::string>()) << what;
    }
    if (bytes_ok && plain_ok && whole_ok) ++passed;
  }
  fmt::print("vocab-{}.detok.json: {}/{} sequences match\n", stem, passed, n);
  EXPECT_EQ(passed, n);
  EXPECT_EQ(n, 20u);
}

INSTANTIATE_TEST_SUITE_P(Hf, DetokenizeTest, ::testing::Values("gemma3", "llama3", "qwen3"));

}  // namespace
}  // namespace hearth

// Decoding: for the byte-level BPE and SentencePiece vocabularies with byte fallback, the
// streamed bytes of encode(text) are the text again, for every reference text; decode()
// handles BOS/EOS and the SentencePiece space like llama_detokenize.
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tokenizer/utf8.h"
#include "tokenizer/vocab_test_format.h"
#include "tokenizer_test_util.h"

namespace hearth {
namespace {

using tokenizer_testing::listing;
using tokenizer_testing::load_tokenizer;
using tokenizer_testing::read_text_file;
using tokenizer_testing::testdata;
using tokenizer_testing::VocabCase;

std::string stream_all(const Tokenizer& tok, const std::vector<TokenId>& ids,
                       StreamingDetokenizerOptions options = {}) {
  StreamingDetokenizer detok(tok, options);
  std::string out;
  for (TokenId id : ids) out += detok.push(id);
  return out + detok.flush();
}

class RoundTripTest : public ::testing::TestWithParam<VocabCase> {};

TEST_P(RoundTripTest, StreamedTokensGiveBackTheText) {
  const VocabCase& c = GetParam();
  const Tokenizer* tok = load_tokenizer(c.gguf);
  ASSERT_NE(tok, nullptr);
  size_t n = 0;
  for (const std::string& text : split_vocab_test_inputs(read_text_file(c.gguf + ".inp"))) {
    const std::vector<TokenId> ids = tok->encode(text, false, false);
    EXPECT_EQ(stream_all(*tok, ids), text) << c.gguf;
    ++n;
  }
  EXPECT_GT(n, 0u);
}

// WordPiece lowercases and drops accents: only the other vocabularies are reversible.
std::vector<VocabCase> reversible_cases() {
  std::vector<VocabCase> out;
  for (const VocabCase& c : listing().cases) {
    if (c.gguf.find("bert") == std::string::npos) out.push_back(c);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Reference, RoundTripTest, ::testing::ValuesIn(reversible_cases()),
                         [](const ::testing::TestParamInfo<VocabCase>& info) {
                           return info.param.name;
                         });

// Deterministic noise: ASCII and multi-byte characters, and in every other text arbitrary
// (often malformed) bytes.
std::vector<std::string> noisy_texts() {
  uint64_t state = 0x9E3779B97F4A7C15ull;
  const auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 33);
  };
  const char* const pieces[] = {" ", "  ", "\n", "\t", "a", "Z", "7", "'s", "\xC3\xA9",
                                "\xE6\x9D\xB1", "\xF0\x9F\xA6\x99", "<", "|", "\r\n"};
  std::vector<std::string> out;
  for (int n = 0; n < 200; ++n) {
    std::string s;
    const uint32_t len = next() % 40;
    for (uint32_t i = 0; i < len; ++i) {
      if (n % 2 == 1 && next() % 4 == 0) {
        s += static_cast<char>(next() & 0xFF);
      } else {
        s += pieces[next() % (sizeof(pieces) / sizeof(pieces[0]))];
      }
    }
    out.push_back(s);
  }
  return out;
}

TEST(RoundTrip, ArbitraryBytes) {
  // SentencePiece with byte fallback keeps every character of valid text (malformed bytes can
  // swallow a following escaped space, in llama.cpp too); byte-level BPE keeps everything,
  // with malformed bytes read as U+FFFD as llama.cpp reads them.
  const Tokenizer* gemma = load_tokenizer(testdata("tokenizer/hf/vocab-gemma3.gguf"));
  const Tokenizer* llama_spm = load_tokenizer(testdata("tokenizer/ggml-vocab-llama-spm.gguf"));
  const Tokenizer* qwen = load_tokenizer(testdata("tokenizer/hf/vocab-qwen3.gguf"));
  const Tokenizer* gpt2 = load_tokenizer(testdata("tokenizer/ggml-vocab-gpt-2.gguf"));
  ASSERT_TRUE(gemma && llama_spm && qwen && gpt2);
  size_t n_valid = 0;
  for (const std::string& text : noisy_texts()) {
    if (utf8::is_valid(text)) {
      ++n_valid;
      EXPECT_EQ(stream_all(*gemma, gemma->encode(text, false, false)), text);
      EXPECT_EQ(stream_all(*llama_spm, llama_spm->encode(text, false, false)), text);
    }
    const std::string sanitized = utf8::sanitize(text);
    EXPECT_EQ(stream_all(*qwen, qwen->encode(text, false, false)), sanitized);
    EXPECT_EQ(stream_all(*gpt2, gpt2->encode(text, false, false)), sanitized);
  }
  EXPECT_GE(n_valid, 100u);
}

TEST(Decode, SentencePieceDropsThePrefixSpaceOnlyAtTheStart) {
  const Tokenizer* tok = load_tokenizer(testdata("tokenizer/ggml-vocab-llama-spm.gguf"));
  ASSERT_NE(tok, nullptr);
  ASSERT_TRUE(tok->adds_space_prefix());
  const std::vector<TokenId> ids = tok->encode("Hello world", false, false);
  EXPECT_EQ(tok->decode(ids, false, false), "Hello world");
  EXPECT_EQ(stream_all(*tok, ids), "Hello world");
  // A stream that continues earlier text keeps the space.
  EXPECT_EQ(stream_all(*tok, ids, {.strip_leading_space = false}), " Hello world");
  // With BOS first nothing is stripped (llama_detokenize does the same).
  const std::vector<TokenId> with_bos = tok->encode("Hello world", true, false);
  ASSERT_EQ(with_bos.front(), tok->bos());
  EXPECT_EQ(tok->decode(with_bos, false, false), " Hello world");
  EXPECT_EQ(tok->decode(with_bos, false, true), "<s> Hello world");
}

TEST(Decode, RemoveSpecialDropsBosAndEos) {
  const Tokenizer* tok = load_tokenizer(testdata("models/llama-bpe-F16.gguf"));
  ASSERT_NE(tok, nullptr);
  const std::vector<TokenId> ids = tok->encode("Hello", true, false);
  ASSERT_EQ(ids.front(), tok->bos());
  EXPECT_EQ(tok->decode(ids, true, true), "Hello");
  EXPECT_EQ(tok->decode(ids, false, true), tok->token_text(tok->bos()) + "Hello");
}

}  // namespace
}  // namespace hearth

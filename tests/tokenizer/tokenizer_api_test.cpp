// The Tokenizer interface on the full Hugging Face vocabularies: sizes, special and
// end-of-generation tokens, special-token splitting (ids from hf/*.detok.json, where
// Hugging Face and llama.cpp agree), and malformed input.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tokenizer_test_util.h"

namespace hearth {
namespace {

using tokenizer_testing::load_tokenizer;
using tokenizer_testing::testdata;

const Tokenizer* hf(const std::string& stem) {
  return load_tokenizer(testdata("tokenizer/hf/vocab-" + stem + ".gguf"));
}

// Binds `name` to the loaded hf vocabulary `stem`, or ends the test (the loader reported why).
#define LOAD_HF(name, stem)             \
  const Tokenizer* name##_ptr = hf(stem); \
  ASSERT_NE(name##_ptr, nullptr);       \
  const Tokenizer& name = *name##_ptr

std::string stream_all(const Tokenizer& tok, const std::vector<TokenId>& ids) {
  StreamingDetokenizer detok(tok, {.render_special = true});
  std::string out;
  for (TokenId id : ids) out += detok.push(id);
  return out + detok.flush();
}

TEST(TokenizerApi, VocabularySizes) {  // as listed in the test data README
  LOAD_HF(llama, "llama3");
  LOAD_HF(qwen, "qwen3");
  LOAD_HF(gemma, "gemma3");
  EXPECT_EQ(llama.n_vocab(), 128256);
  EXPECT_EQ(qwen.n_vocab(), 151936);
  EXPECT_EQ(gemma.n_vocab(), 262208);
}

TEST(TokenizerApi, Qwen3SpecialTokens) {
  LOAD_HF(tok, "qwen3");
  const TokenId im_start = tok.find_token("<|im_start|>");
  const TokenId im_end = tok.find_token("<|im_end|>");
  const TokenId endoftext = tok.find_token("<|endoftext|>");
  EXPECT_EQ(im_start, 151644);
  EXPECT_EQ(tok.eos(), im_end);
  EXPECT_TRUE(tok.is_control(im_start));
  EXPECT_TRUE(tok.is_end_of_generation(im_end));
  EXPECT_TRUE(tok.is_end_of_generation(endoftext));
  EXPECT_FALSE(tok.is_end_of_generation(im_start));
  EXPECT_EQ(tok.token_to_bytes(im_end), "");
  EXPECT_EQ(tok.token_to_piece(im_end, true), "<|im_end|>");
  // Qwen does not add BOS.
  EXPECT_EQ(tok.encode("Hello world", true, false), tok.encode("Hello world", false, false));
}

TEST(TokenizerApi, ChatTokensAreParsedOnlyWhenAsked) {
  LOAD_HF(tok, "qwen3");
  const std::string text = "<|im_start|>user\nHello world<|im_end|>";
  EXPECT_EQ(tok.encode(text, false, true),
            (std::vector<TokenId>{151644, 872, 198, 9707, 1879, 151645}));
  const std::vector<TokenId> plain = tok.encode(text, false, false);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), 151644), 0);
  EXPECT_EQ(stream_all(tok, plain), text);
}

TEST(TokenizerApi, UserDefinedTokensAreSplitWithoutParseSpecial) {
  // Qwen3's <think> and </think> are user-defined, not control.
  LOAD_HF(tok, "qwen3");
  EXPECT_EQ(tok.encode("<think>I'm here</think>", false, false),
            (std::vector<TokenId>{151667, 40, 2776, 1588, 151668}));
}

TEST(TokenizerApi, EndOfGenerationTokens) {
  LOAD_HF(llama, "llama3");
  EXPECT_TRUE(llama.is_end_of_generation(llama.find_token("<|eot_id|>")));
  EXPECT_TRUE(llama.is_end_of_generation(llama.find_token("<|end_of_text|>")));
  EXPECT_TRUE(llama.is_end_of_generation(llama.find_token("<|eom_id|>")));
  EXPECT_FALSE(llama.is_end_of_generation(llama.find_token("<|begin_of_text|>")));
  LOAD_HF(gemma, "gemma3");
  EXPECT_EQ(gemma.eos(), gemma.find_token("<end_of_turn>"));
  EXPECT_TRUE(gemma.is_end_of_generation(gemma.find_token("<eos>")));
  EXPECT_TRUE(gemma.is_end_of_generation(gemma.eos()));
  EXPECT_EQ(gemma.encode("Hi", true, false).front(), gemma.bos());
}

TEST(TokenizerApi, OutOfRangeIdsDecodeToNothing) {
  LOAD_HF(tok, "llama3");
  EXPECT_EQ(tok.token_to_bytes(-1), "");
  EXPECT_EQ(tok.token_to_bytes(tok.n_vocab()), "");
  EXPECT_EQ(tok.token_text(1 << 30), "");
  EXPECT_FALSE(tok.is_control(-7));
  EXPECT_FALSE(tok.is_end_of_generation(-1));
}

TEST(TokenizerApi, MalformedUtf8) {
  // Byte-level BPE sees each malformed byte as U+FFFD, as llama.cpp does.
  LOAD_HF(qwen, "qwen3");
  LOAD_HF(gemma, "gemma3");
  EXPECT_EQ(stream_all(qwen, qwen.encode("a\xFF" "b\xE6\x9D", false, false)),
            "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD");
  // SentencePiece keeps the bytes through its <0xXX> fallback.
  EXPECT_EQ(stream_all(gemma, gemma.encode("a\xFF" "b", false, false)),
            "a\xFF" "b");
}

TEST(TokenizerApi, EmptyText) {
  LOAD_HF(qwen, "qwen3");
  LOAD_HF(gemma, "gemma3");
  EXPECT_TRUE(qwen.encode("", true, true).empty());
  EXPECT_EQ(gemma.encode("", true, true), (std::vector<TokenId>{gemma.bos()}));
}

}  // namespace
}  // namespace hearth

// Loading: malformed tokenizer metadata gives an error naming the key; absent keys get
// llama.cpp's per-model defaults.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "synthetic_vocab.h"

namespace hearth {
namespace {

using gguf::Array;
using gguf::Value;
using gguf::ValueType;
using tokenizer_testing::kControl;
using tokenizer_testing::kUnknown;
using tokenizer_testing::SynthVocab;

// A SentencePiece vocabulary: <unk> <s> </s>, then a few words.
SynthVocab spm_vocab() {
  SynthVocab v("llama");
  v.token("<unk>", 0, kUnknown).token("<s>", 0, kControl).token("</s>", 0, kControl);
  v.token("\xE2\x96\x81", -1).token("a", -2).token("b", -2).token("\xE2\x96\x81" "a", -1.5f);
  return v;
}

// A byte-level BPE vocabulary over the letters a-c (the GPT-2 mapping keeps them as is).
SynthVocab bpe_vocab(const std::string& pre) {
  SynthVocab v("gpt2");
  v.set_string("tokenizer.ggml.pre", pre);
  v.token("a").token("b").token("c").token("ab").token("<|bos|>", 0, kControl);
  v.merges({"a b"});
  v.set_u32("tokenizer.ggml.bos_token_id", 4);
  v.set_u32("tokenizer.ggml.eos_token_id", 4);
  return v;
}

void expect_error_mentions(const Result<std::unique_ptr<Tokenizer>>& r,
                           const std::vector<std::string>& parts) {
  ASSERT_FALSE(r.is_ok()) << "expected an error";
  for (const auto& p : parts) {
    EXPECT_NE(r.message().find(p), std::string::npos) << "'" << r.message() << "' lacks " << p;
  }
}

TEST(VocabLoad, MissingModelKeyIsAnError) {
  expect_error_mentions(spm_vocab().omit("tokenizer.ggml.model").build(),
                        {"tokenizer.ggml.model", "missing"});
}

TEST(VocabLoad, NoVocabularyIsAnError) {
  expect_error_mentions(SynthVocab("none").token("x").build(), {"tokenizer.ggml.model", "none"});
}

TEST(VocabLoad, UnsupportedModelIsAnError) {
  expect_error_mentions(SynthVocab("t5").token("x").build(), {"tokenizer.ggml.model", "t5"});
}

TEST(VocabLoad, MissingTokensIsAnError) {
  expect_error_mentions(spm_vocab().omit("tokenizer.ggml.tokens").build(),
                        {"tokenizer.ggml.tokens"});
}

TEST(VocabLoad, TokensOfWrongTypeIsAnError) {
  auto v = spm_vocab();
  v.set("tokenizer.ggml.tokens",
        Value::of_array(Array{ValueType::INT32, {Value::of_int(ValueType::INT32, 1)}}));
  expect_error_mentions(v.build(), {"tokenizer.ggml.tokens", "INT32"});
}

TEST(VocabLoad, ShortScoresIsAnError) {
  auto v = spm_vocab();
  v.set("tokenizer.ggml.scores",
        Value::of_array(Array{ValueType::FLOAT32, {Value::of_float(ValueType::FLOAT32, 0)}}));
  expect_error_mentions(v.build(), {"tokenizer.ggml.scores"});
}

TEST(VocabLoad, TokenTypesOfWrongTypeIsAnError) {
  auto v = spm_vocab();
  v.set("tokenizer.ggml.token_type",
        Value::of_array(Array{ValueType::FLOAT32, {Value::of_float(ValueType::FLOAT32, 1)}}));
  expect_error_mentions(v.build(), {"tokenizer.ggml.token_type"});
}

TEST(VocabLoad, DuplicateTokenIsAnError) {
  auto v = spm_vocab();
  v.token("a");
  expect_error_mentions(v.build(), {"tokenizer.ggml.tokens", "same text"});
}

TEST(VocabLoad, SpecialIdOfWrongTypeIsAnError) {
  auto v = spm_vocab();
  v.set_string("tokenizer.ggml.bos_token_id", "1");
  expect_error_mentions(v.build(), {"tokenizer.ggml.bos_token_id"});
}

TEST(VocabLoad, FlagOfWrongTypeIsAnError) {
  auto v = spm_vocab();
  v.set_string("tokenizer.ggml.add_bos_token", "yes");
  expect_error_mentions(v.build(), {"tokenizer.ggml.add_bos_token"});
}

TEST(VocabLoad, BpeWithoutMergesIsAnError) {
  expect_error_mentions(bpe_vocab("gpt-2").omit("tokenizer.ggml.merges").build(),
                        {"tokenizer.ggml.merges"});
}

TEST(VocabLoad, UnknownPreTokenizerIsAnError) {
  expect_error_mentions(bpe_vocab("no-such-pre").build(), {"tokenizer.ggml.pre", "no-such-pre"});
}

TEST(VocabLoad, SpmDefaultsAddBosAndSpacePrefix) {
  auto tok = spm_vocab().build();
  ASSERT_TRUE(tok.is_ok()) << tok.message();
  EXPECT_EQ((*tok)->bos(), 1);  // SentencePiece defaults: <s> = 1, </s> = 2
  EXPECT_EQ((*tok)->eos(), 2);
  // "a" -> "▁a" (space prefix), BOS first, no EOS.
  EXPECT_EQ((*tok)->encode("a", true, false), (std::vector<TokenId>{1, 6}));
  EXPECT_EQ((*tok)->encode("a", false, false), (std::vector<TokenId>{6}));
}

TEST(VocabLoad, StoredFlagsOverrideDefaults) {
  auto tok = spm_vocab()
                 .set_bool("tokenizer.ggml.add_bos_token", false)
                 .set_bool("tokenizer.ggml.add_eos_token", true)
                 .set_bool("tokenizer.ggml.add_space_prefix", false)
                 .build();
  ASSERT_TRUE(tok.is_ok()) << tok.message();
  EXPECT_EQ((*tok)->encode("a", true, false), (std::vector<TokenId>{4, 2}));
}

TEST(VocabLoad, OutOfRangeSpecialIdKeepsTheDefault) {
  auto tok = spm_vocab().set_u32("tokenizer.ggml.bos_token_id", 4000000000u).build();
  ASSERT_TRUE(tok.is_ok()) << tok.message();
  EXPECT_EQ((*tok)->bos(), 1);
}

TEST(VocabLoad, BpeBosDependsOnThePreTokenizer) {
  // llama-bpe adds BOS by default, gpt-2 does not; both follow add_bos_token when stored.
  auto llama = bpe_vocab("llama-bpe").build();
  ASSERT_TRUE(llama.is_ok()) << llama.message();
  EXPECT_EQ((*llama)->encode("ab", true, false), (std::vector<TokenId>{4, 3}));
  auto gpt2 = bpe_vocab("gpt-2").build();
  ASSERT_TRUE(gpt2.is_ok()) << gpt2.message();
  EXPECT_EQ((*gpt2)->encode("ab", true, false), (std::vector<TokenId>{3}));
  auto forced = bpe_vocab("gpt-2").set_bool("tokenizer.ggml.add_bos_token", true).build();
  ASSERT_TRUE(forced.is_ok()) << forced.message();
  EXPECT_EQ((*forced)->encode("ab", true, false), (std::vector<TokenId>{4, 3}));
}

TEST(VocabLoad, EndOfGenerationTokensAreFoundByText) {
  // No eot id stored: "<|im_end|>" is recognised by its text and made a control token.
  auto v = bpe_vocab("qwen2");
  v.token("<|im_end|>");
  auto tok = v.build();
  ASSERT_TRUE(tok.is_ok()) << tok.message();
  EXPECT_TRUE((*tok)->is_end_of_generation(5));
  EXPECT_TRUE((*tok)->is_control(5));
  EXPECT_TRUE((*tok)->is_end_of_generation(4));  // eos
  EXPECT_FALSE((*tok)->is_end_of_generation(3));
}

TEST(VocabLoad, WordPieceAddsClsAndSep) {
  SynthVocab v("bert");
  v.token("[PAD]").token("[UNK]", 0, kUnknown).token("[CLS]", 0, kControl);
  v.token("[SEP]", 0, kControl).token("\xE2\x96\x81" "hi");
  v.set_u32("tokenizer.ggml.bos_token_id", 2).set_u32("tokenizer.ggml.seperator_token_id", 3);
  v.set_u32("tokenizer.ggml.unknown_token_id", 1);
  auto tok = v.build();
  ASSERT_TRUE(tok.is_ok()) << tok.message();
  EXPECT_EQ((*tok)->encode("HI there", true, false), (std::vector<TokenId>{2, 4, 1, 3}));
}

TEST(VocabLoad, SpmByteTokensDecodeToBytes) {
  auto v = spm_vocab();
  v.byte_tokens();
  auto tok = v.build();
  ASSERT_TRUE(tok.is_ok()) << tok.message();
  // "€" has no token: its three UTF-8 bytes become <0xE2><0x82><0xAC>.
  const std::vector<TokenId> ids = (*tok)->encode("\xE2\x82\xAC", false, false);
  ASSERT_EQ(ids.size(), 4u);  // "▁" then three bytes
  std::string bytes;
  for (TokenId id : ids) bytes += (*tok)->token_to_bytes(id);
  EXPECT_EQ(bytes, " \xE2\x82\xAC");
  EXPECT_EQ((*tok)->token_text(ids[1]), "<0xE2>");
}

}  // namespace
}  // namespace hearth

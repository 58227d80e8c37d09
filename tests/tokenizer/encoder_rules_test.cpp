// The merge and splitting rules on vocabularies small enough to work out by hand: SPM merges
// the best-scoring pair first (leftmost on a tie), BPE the lowest-ranked merge, special
// tokens are split out before encoding (with llama.cpp's strip and space-prefix rules), and
// WordPiece normalises like BERT.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "synthetic_vocab.h"
#include "tokenizer/wordpiece.h"

namespace hearth {
namespace {

using tokenizer_testing::kControl;
using tokenizer_testing::kUnknown;
using tokenizer_testing::kUserDefined;
using tokenizer_testing::SynthVocab;

const std::string kSpace = "\xE2\x96\x81";

// ids: 0 <unk>, 1 <s>, 2 </s>, 3 ▁, 4 a, 5 b, 6 ▁a, 7 ab
SynthVocab spm(float score_space_a, float score_ab) {
  SynthVocab v("llama");
  v.token("<unk>", 0, kUnknown).token("<s>", 0, kControl).token("</s>", 0, kControl);
  v.token(kSpace, -1).token("a", -2).token("b", -2);
  v.token(kSpace + "a", score_space_a).token("ab", score_ab);
  return v;
}

std::vector<TokenId> encode(const SynthVocab& v, const std::string& text, bool parse_special) {
  auto tok = v.build();
  EXPECT_TRUE(tok.is_ok()) << tok.message();
  if (!tok.is_ok()) return {};
  return (*tok)->encode(text, false, parse_special);
}

TEST(SpmRules, HigherScoreMergesFirst) {
  EXPECT_EQ(encode(spm(-1.0f, -0.5f), "ab", false), (std::vector<TokenId>{3, 7}));  // ▁ ab
  EXPECT_EQ(encode(spm(-0.5f, -1.0f), "ab", false), (std::vector<TokenId>{6, 5}));  // ▁a b
}

TEST(SpmRules, TieMergesTheLeftmostPair) {
  EXPECT_EQ(encode(spm(-1.0f, -1.0f), "ab", false), (std::vector<TokenId>{6, 5}));
}

TEST(SpmRules, SpacePrefixAlsoFollowsASpecialToken) {
  // llama.cpp prefixes a space to every text fragment that follows a special token.
  EXPECT_EQ(encode(spm(-1.0f, -2.0f), "<s>a", true), (std::vector<TokenId>{1, 6}));
  // Without parse_special "<s>" is text: no byte tokens here, so its characters are <unk>.
  const auto plain = encode(spm(-1.0f, -2.0f), "<s>a", false);
  EXPECT_EQ(plain.front(), 3);  // ▁
  EXPECT_NE(plain, (std::vector<TokenId>{1, 6}));
}

// ids: 0 a, 1 b, 2 c, 3 ab, 4 bc
SynthVocab bpe(std::vector<std::string> merges) {
  SynthVocab v("gpt2");
  v.set_string("tokenizer.ggml.pre", "gpt-2");
  v.token("a").token("b").token("c").token("ab").token("bc");
  v.merges(std::move(merges));
  return v;
}

TEST(BpeRules, LowestRankMergesFirst) {
  EXPECT_EQ(encode(bpe({"b c", "a b"}), "abc", false), (std::vector<TokenId>{0, 4}));
  EXPECT_EQ(encode(bpe({"a b", "b c"}), "abc", false), (std::vector<TokenId>{3, 2}));
}

TEST(BpeRules, UnmergedCharactersStaySingle) {
  EXPECT_EQ(encode(bpe({}), "abc", false), (std::vector<TokenId>{0, 1, 2}));
}

// An SPM vocabulary with a control token "<|end|>" (id 3) and user-defined "<u>" (id 4).
SynthVocab spm_with_specials(const std::string& general_name) {
  SynthVocab v("llama");
  v.token("<unk>", 0, kUnknown).token("<s>", 0, kControl).token("</s>", 0, kControl);
  v.token("<|end|>", 0, kControl).token("<u>", 0, kUserDefined);
  v.token(kSpace, -1).token("a", -2).token(kSpace + "a", -1);
  v.set_string("general.name", general_name);
  return v;
}

TEST(SpecialTokens, ControlTokensNeedParseSpecial) {
  const auto v = spm_with_specials("test");
  EXPECT_EQ(encode(v, "<|end|>a", true), (std::vector<TokenId>{3, 7}));
  const auto as_text = encode(v, "<|end|>a", false);
  EXPECT_EQ(std::count(as_text.begin(), as_text.end(), 3), 0);
}

TEST(SpecialTokens, UserDefinedTokensAreAlwaysSplitOut) {
  const auto v = spm_with_specials("test");
  EXPECT_EQ(encode(v, "<u>a", false), (std::vector<TokenId>{4, 7}));
  EXPECT_EQ(encode(v, "<u>a", true), (std::vector<TokenId>{4, 7}));
}

TEST(SpecialTokens, Phi3SpecialTokensEatFollowingWhitespace) {
  // llama.cpp gives Phi-3's special tokens the rstrip attribute (by general.name).
  EXPECT_EQ(encode(spm_with_specials("Phi3"), "<|end|>  \n a", true),
            encode(spm_with_specials("Phi3"), "<|end|>a", true));
  EXPECT_NE(encode(spm_with_specials("other"), "<|end|>  \n a", true),
            encode(spm_with_specials("other"), "<|end|>a", true));
}

TEST(SpecialTokens, LongerTokensAreSplitFirst) {
  SynthVocab v("llama");
  v.token("<unk>", 0, kUnknown).token("<s>", 0, kControl).token("</s>", 0, kControl);
  v.token("<a>", 0, kControl).token("<a><b>", 0, kControl).token("<b>", 0, kControl);
  EXPECT_EQ(encode(v, "<a><b><b>", true), (std::vector<TokenId>{4, 5}));
}

TEST(WordPieceRules, NormalisesLikeBert) {
  using Words = std::vector<std::string>;
  EXPECT_EQ(wordpiece_words("H\xC3\xA9llo, WORLD!", true, true),
            (Words{"hello", ",", "world", "!"}));
  EXPECT_EQ(wordpiece_words("H\xC3\xA9llo", false, false), (Words{"H\xC3\xA9llo"}));
  // CJK ideographs are words of their own; control characters vanish; ASCII symbols split.
  EXPECT_EQ(wordpiece_words("ab\xE4\xB8\xAD" "c\x07" "d$e", true, true),
            (Words{"ab", "\xE4\xB8\xAD", "cd", "$", "e"}));
  // A combining accent is dropped when accents are stripped (NFD already split).
  EXPECT_EQ(wordpiece_words("e\xCC\x81t\xC3\xA9", true, true), (Words{"ete"}));
  // Non-ASCII white space separates words.
  EXPECT_EQ(wordpiece_words("a\xE3\x80\x80" "b", true, true), (Words{"a", "b"}));
}

}  // namespace
}  // namespace hearth

// Pre-tokenizer splits. Expected pieces are worked out by hand from the regexes llama.cpp runs
// for each tokenizer.ggml.pre value (src/tokenizer/pretokenize_patterns.cpp says which); the
// end-to-end check against llama.cpp's token ids is in the vocab file tests.
#include "tokenizer/pretokenize.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace hearth {
namespace {

using Pieces = std::vector<std::string>;

Pieces split(std::string_view pre_name, std::string_view text) {
  auto pre = PreTokenizer::create(pre_name);
  EXPECT_TRUE(pre.is_ok()) << pre.message();
  if (!pre.is_ok()) return {};
  Pieces out;
  for (std::string_view piece : (*pre)->split(text)) out.emplace_back(piece);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Llama 3: contractions, a word with one leading non-letter, numbers in groups of at most three,
// punctuation runs that keep trailing newlines, whitespace that leaves its last space to the
// next word.

TEST(PreTokenizeLlama3, WordsContractionsNumbersPunctuation) {
  EXPECT_EQ(split("llama-bpe", "Hello world's 12345 !!"),
            (Pieces{"Hello", " world", "'s", " ", "123", "45", " !!"}));
  EXPECT_EQ(split("llama3", "$100.50"), (Pieces{"$", "100", ".", "50"}));
  EXPECT_EQ(split("llama-v3", "...\n\nok"), (Pieces{"...\n\n", "ok"}));
}

TEST(PreTokenizeLlama3, ContractionsIgnoreCase) {
  EXPECT_EQ(split("llama-bpe", "I'M WE'LL you'Re"),
            (Pieces{"I", "'M", " WE", "'LL", " you", "'Re"}));
  // Only the listed endings: 'x is punctuation followed by a word.
  EXPECT_EQ(split("llama-bpe", "o'xy"), (Pieces{"o", "'xy"}));
}

TEST(PreTokenizeLlama3, Whitespace) {
  EXPECT_EQ(split("llama-bpe", "  leading"), (Pieces{" ", " leading"}));
  EXPECT_EQ(split("llama-bpe", "hi   "), (Pieces{"hi", "   "}));
  EXPECT_EQ(split("llama-bpe", "a\n\nb"), (Pieces{"a", "\n\n", "b"}));
  EXPECT_EQ(split("llama-bpe", "x  \n  y"), (Pieces{"x", "  \n", " ", " y"}));
  // A tab (any non-letter, non-digit but \r \n) may lead a word.
  EXPECT_EQ(split("llama-bpe", "a\tword"), (Pieces{"a", "\tword"}));
  EXPECT_EQ(split("llama-bpe", "a\rword"), (Pieces{"a", "\r", "word"}));
}

TEST(PreTokenizeLlama3, UnicodeLettersAndWhitespace) {
  EXPECT_EQ(split("llama-bpe", "héllo wörld 你好世界"),
            (Pieces{"héllo", " wörld", " 你好世界"}));
  // U+00A0 and U+3000 are whitespace to llama.cpp; pieces keep the caller's bytes.
  EXPECT_EQ(split("llama-bpe", "a\xC2\xA0" "b"), (Pieces{"a", "\xC2\xA0" "b"}));
  EXPECT_EQ(split("llama-bpe", "a\u3000\u3000" "b"), (Pieces{"a", "\u3000", "\u3000" "b"}));
  EXPECT_EQ(split("llama-bpe", "x\u3000\u3000"), (Pieces{"x", "\u3000\u3000"}));
  // Digits of other scripts are \p{N} too.
  EXPECT_EQ(split("llama-bpe", "\u0661\u0662\u0663\u0664"),
            (Pieces{"\u0661\u0662\u0663", "\u0664"}));
}

// ---------------------------------------------------------------------------------------------
// Qwen 2 and 3.5: Llama 3 with single digits; Qwen 3.5 keeps combining marks in words.

TEST(PreTokenizeQwen, SingleDigits) {
  EXPECT_EQ(split("qwen2", "Hello world's 12345 !!"),
            (Pieces{"Hello", " world", "'s", " ", "1", "2", "3", "4", "5", " !!"}));
  EXPECT_EQ(split("qwen35", "x=42"), (Pieces{"x", "=", "4", "2"}));
}

TEST(PreTokenizeQwen, CombiningMarks) {
  const std::string decomposed = "cafe\u0301 ok";  // e + COMBINING ACUTE ACCENT
  EXPECT_EQ(split("qwen2", decomposed), (Pieces{"cafe", "\u0301", " ok"}));
  EXPECT_EQ(split("qwen35", decomposed), (Pieces{"cafe\u0301", " ok"}));
  EXPECT_EQ(split("qwen35", " \u0301a"), (Pieces{" \u0301a"}));
}

// ---------------------------------------------------------------------------------------------
// GPT-2 family: an optional space before a letter, number or symbol run; lower-case
// contractions only.

TEST(PreTokenizeGpt2, Basic) {
  EXPECT_EQ(split("gpt-2", "Hello world's 12345 !!"),
            (Pieces{"Hello", " world", "'s", " 12345", " !!"}));
  EXPECT_EQ(split("gpt-2", "I'M"), (Pieces{"I", "'", "M"}));
  EXPECT_EQ(split("mpt", "a  b"), (Pieces{"a", " ", " b"}));
  // A lone tab before a word matches nothing and stays a piece of its own.
  EXPECT_EQ(split("gpt-2", "a\tb"), (Pieces{"a", "\t", "b"}));
  EXPECT_EQ(split("olmo", "x   "), (Pieces{"x", "   "}));
  EXPECT_EQ(split("phi-2", "don't stop"), (Pieces{"don", "'t", " stop"}));
}

TEST(PreTokenizeGpt2, DefaultAndFalconSplitPunctuationAndDigitsFirst) {
  EXPECT_EQ(split("default", "Hello, world! 12345"),
            (Pieces{"Hello", ",", " world", "!", " ", "123", "45"}));
  // The first regex takes the apostrophe before GPT-2's contractions can.
  EXPECT_EQ(split("default", "don't"), (Pieces{"don", "'", "t"}));
  EXPECT_EQ(split("falcon", "don't 1234567"),
            (Pieces{"don", "'", "t", " ", "123", "456", "7"}));
  // An empty name is llama.cpp's fallback for files without tokenizer.ggml.pre.
  EXPECT_EQ(split("", "a,b"), (Pieces{"a", ",", "b"}));
}

TEST(PreTokenizeGpt2, StarcoderRefactSplitEveryDigit) {
  EXPECT_EQ(split("starcoder", "abc 123"), (Pieces{"abc", " ", "1", "2", "3"}));
  EXPECT_EQ(split("refact", "v2.0"), (Pieces{"v", "2", ".", "0"}));
  EXPECT_EQ(split("command-r", "x 42"), (Pieces{"x", " ", "4", "2"}));
}

// ---------------------------------------------------------------------------------------------
// DeepSeek: lists of single-purpose regexes.

TEST(PreTokenizeDeepseek, Llm) {
  EXPECT_EQ(split("deepseek-llm", "Hello world!\n你好 123"),
            (Pieces{"Hello", " world", "!", "\n", "你好", " ", "123"}));
  // "\s+$" takes the whitespace at the end of a piece.
  EXPECT_EQ(split("deepseek-llm", "ok  \n"), (Pieces{"ok", "  ", "\n"}));
}

TEST(PreTokenizeDeepseek, Coder) {
  EXPECT_EQ(split("deepseek-coder", "def f(x):\n  return 12"),
            (Pieces{"def", " f", "(", "x", "):", "\n", " ", " return", " ", "1", "2"}));
}

TEST(PreTokenizeDeepseek, V3) {
  EXPECT_EQ(split("deepseek-v3", "x=12345;中文abc.net !"),
            (Pieces{"x", "=", "123", "45", ";", "中文", "abc", ".net", " !"}));
}

// ---------------------------------------------------------------------------------------------
// GPT-4o family: words split at lower-to-upper case changes, contractions stay on the word.

TEST(PreTokenizeGpt4o, CaseSplitWords) {
  EXPECT_EQ(split("gpt-4o", "HelloWorld HELLOworld HELLO"),
            (Pieces{"Hello", "World", " HELLOworld", " HELLO"}));
  EXPECT_EQ(split("gpt-4o", "Hello world's 12345 !!"),
            (Pieces{"Hello", " world's", " ", "123", "45", " !!"}));
  EXPECT_EQ(split("llama4", "I'M path/to\n"), (Pieces{"I'M", " path", "/to", "\n"}));
  // Non-ASCII letters count as both cases; marks are not letters here.
  EXPECT_EQ(split("gpt-4o", "ÉtéÉté"), (Pieces{"ÉtéÉté"}));
  EXPECT_EQ(split("gpt-4o", "Cafe\u0301s"), (Pieces{"Cafe", "\u0301s"}));
  EXPECT_EQ(split("granite-embed-multi-97m", "Cafe\u0301s"), (Pieces{"Cafe\u0301s"}));
}

TEST(PreTokenizeGpt4o, TekkenHasNoContractionsAndSingleDigits) {
  EXPECT_EQ(split("tekken", "HelloWorld don't 12"),
            (Pieces{"Hello", "World", " don", "'t", " ", "1", "2"}));
}

// ---------------------------------------------------------------------------------------------
// The others with plain regex lists.

TEST(PreTokenizeOthers, KimiK2KeepsHanApart) {
  EXPECT_EQ(split("kimi-k2", "Hello世界World 123"),
            (Pieces{"Hello", "世界", "World", " ", "123"}));
}

TEST(PreTokenizeOthers, ChameleonLaterRegexesSplitEarlierMatches) {
  EXPECT_EQ(split("chameleon", "a<sentinel:12>b"),
            (Pieces{"a", "<", "sentinel", ":", "1", "2", ">", "b"}));
  EXPECT_EQ(split("chameleon", "a  b\t1"), (Pieces{"a", "  ", "b", "\t", "1"}));
}

TEST(PreTokenizeOthers, BloomKeepsUnmatchedRunsTogether) {
  EXPECT_EQ(split("bloom", "Hello, world (x)!"),
            (Pieces{"Hello", ",", " world", " (", "x", ")!"}));
  EXPECT_EQ(split("viking", "ab12"), (Pieces{"ab", "1", "2"}));
}

TEST(PreTokenizeOthers, SuperBpeGroupsDigitsFromTheRight) {
  EXPECT_EQ(split("superbpe", "1234567 abc"), (Pieces{"1", "234", "567", " abc"}));
  EXPECT_EQ(split("superbpe", "x123456"), (Pieces{"x", "123", "456"}));
}

TEST(PreTokenizeOthers, AfmoeDigitGroups) {
  EXPECT_EQ(split("afmoe", "abc 1234 中文x"),
            (Pieces{"abc", " ", "1", "234", " ", "中文", "x"}));
  // llama.cpp glues the text before a number to its first digit group, so two spaces before
  // a number are two pieces here (after the first regex they were not the end of a piece).
  EXPECT_EQ(split("afmoe", "a  1234"), (Pieces{"a", " ", " ", "1", "234"}));
  EXPECT_EQ(split("tiny_aya", "HelloWorld 1234567"),
            (Pieces{"HelloWorld", " ", "1", "234", "567"}));
}

TEST(PreTokenizeOthers, ExaoneMoeJoinsWordsSeparatedBySingleSpaces) {
  EXPECT_EQ(split("exaone-moe", "New York City"), (Pieces{"New York City"}));
  EXPECT_EQ(split("exaone-moe", "a  b"), (Pieces{"a", " ", " b"}));
}

TEST(PreTokenizeOthers, SeedCoderLeavesNewlinesAfterPunctuation) {
  EXPECT_EQ(split("llama-bpe", "!!\nx"), (Pieces{"!!\n", "x"}));
  EXPECT_EQ(split("seed-coder", "!!\nx"), (Pieces{"!!", "\n", "x"}));
}

TEST(PreTokenizeOthers, Jais2CutsWhitespaceInPowersOfTwo) {
  const std::string eight_spaces(8, ' ');
  EXPECT_EQ(split("llama-bpe", "a" + eight_spaces + "b"),
            (Pieces{"a", std::string(7, ' '), " b"}));
  EXPECT_EQ(split("jais-2", "a" + eight_spaces + "b"),
            (Pieces{"a", "    ", "  ", " ", " b"}));
}

TEST(PreTokenizeOthers, NewlineRunsAndWhitespace) {
  EXPECT_EQ(split("gemma4", "a b\n\nc"), (Pieces{"a b", "\n\n", "c"}));
  EXPECT_EQ(split("laguna", "ab cd\n\n12"), (Pieces{"ab", " cd", "\n\n", "1", "2"}));
  EXPECT_EQ(split("whitespace", " a  b\t"), (Pieces{" ", "a", "  ", "b", "\t"}));
  // U+00AD (soft hyphen) is not whitespace: PCRE2 10.42's JIT got this wrong with
  // PCRE2_MATCH_INVALID_UTF.
  EXPECT_EQ(split("whitespace", "x\u00ADy z"), (Pieces{"x\u00ADy", " ", "z"}));
}

TEST(PreTokenizeOthers, YoutuCjkPunctuation) {
  EXPECT_EQ(split("youtu", "안녕，世界"), (Pieces{"안녕", "，", "世界"}));
}

TEST(PreTokenizeOthers, BailingMoeAndMiniCpm5) {
  EXPECT_EQ(split("bailingmoe", "it'LL 12"), (Pieces{"it", "'LL", " ", "1", "2"}));
  EXPECT_EQ(split("minicpm5", "a12345"), (Pieces{"a", "123", "45"}));
}

// ---------------------------------------------------------------------------------------------
// Bad input and the contract.

TEST(PreTokenize, InvalidUtf8CountsAsReplacementCharacter) {
  // Each bad byte is U+FFFD, a symbol: it may lead a word, and runs with other symbols.
  EXPECT_EQ(split("llama-bpe", "a\xFF" "b"), (Pieces{"a", "\xFF" "b"}));
  EXPECT_EQ(split("llama-bpe", "\xE4\xBDx"), (Pieces{"\xE4\xBD", "x"}));  // truncated 你
  EXPECT_EQ(split("gpt-2", "a \xC0!"), (Pieces{"a", " \xC0!"}));
  EXPECT_EQ(split("qwen2", "\x80\x80 1"), (Pieces{"\x80\x80", " ", "1"}));
}

TEST(PreTokenize, EmptyInputGivesNoPieces) {
  for (std::string_view name : PreTokenizer::supported_names()) {
    EXPECT_TRUE(split(name, "").empty()) << name;
  }
}

TEST(PreTokenize, UnknownNameListsSupportedOnes) {
  auto pre = PreTokenizer::create("no-such-pre");
  ASSERT_FALSE(pre.is_ok());
  EXPECT_NE(pre.message().find("no-such-pre"), std::string::npos);
  EXPECT_NE(pre.message().find("llama-bpe"), std::string::npos);
  EXPECT_NE(pre.message().find("qwen2"), std::string::npos);
}

TEST(PreTokenize, SupportsTheNamesOfCommonVocabularies) {
  const std::vector<std::string_view> names = PreTokenizer::supported_names();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (std::string_view name :
       {"llama-bpe", "llama3", "llama-v3", "qwen2", "qwen35", "gpt-2", "gpt-4o", "deepseek-llm",
        "deepseek-coder", "falcon", "starcoder", "refact", "mpt", "default", "command-r",
        "stablelm2", "olmo", "dbrx", "smaug-bpe", "poro-chat", "chatglm-bpe", "viking", "jais",
        "tekken", "smollm", "codeshell", "bloom", "gpt3-finnish", "exaone", "chameleon",
        "minerva-7b", "megrez", "superbpe", "trillion", "bailingmoe", "seed-coder", "kimi-k2",
        "hunyuan", "grok-2", "jina-v2-code"}) {
    EXPECT_TRUE(std::binary_search(names.begin(), names.end(), name)) << name;
    EXPECT_TRUE(PreTokenizer::create(name).is_ok()) << name;
  }
}

// Random text from pieces that the regexes treat differently.
std::string random_text(std::mt19937& rng, bool raw_bytes) {
  static const char* const kAtoms[] = {
      " ", "  ", "\n", "\r\n", "\t", "a", "Z", "word", "'s", "'LL", "1", "12345", ".", "!!",
      "/", "$", "é", "\u0301", "你好", "世", "안", "\u00A0", "\u3000", "\u00AD", "😀", "٣",
      "\u2028", "ÉA", "<sentinel:3>", "IMGIMGABZ", "\v", "\f", "\x1C"};
  std::string text;
  const int n = static_cast<int>(rng() % 40);
  for (int i = 0; i < n; ++i) {
    if (raw_bytes && rng() % 4 == 0) {
      text += static_cast<char>(rng() % 256);
    } else {
      text += kAtoms[rng() % std::size(kAtoms)];
    }
  }
  return text;
}

TEST(PreTokenize, PiecesConcatenateToTheInput) {
  std::mt19937 rng(20240611);
  for (std::string_view name : PreTokenizer::supported_names()) {
    auto pre = PreTokenizer::create(name);
    ASSERT_TRUE(pre.is_ok()) << pre.message();
    for (int i = 0; i < 60; ++i) {
      const std::string text = random_text(rng, /*raw_bytes=*/i % 2 == 1);
      const std::vector<std::string_view> pieces = (*pre)->split(text);
      std::string joined;
      for (std::string_view piece : pieces) {
        ASSERT_FALSE(piece.empty()) << name;
        // Views into the caller's text, in order.
        ASSERT_EQ(piece.data(), text.data() + joined.size()) << name;
        joined += piece;
      }
      ASSERT_EQ(joined, text) << name;
    }
  }
}

TEST(PreTokenize, LongRunsSplitWithoutFailing) {
  // Long matches with deep backtracking state (JIT stack, match limits). A failed match would
  // leave the rest of the piece unsplit, so each text ends in something that must come apart.
  const std::string letters = std::string(100000, 'A') + std::string(100000, 'a');
  EXPECT_EQ(split("llama-bpe", letters + "!"), (Pieces{letters, "!"}));
  EXPECT_EQ(split("gpt-4o", letters + "!"), (Pieces{letters, "!"}));
  EXPECT_EQ(split("tekken", letters + "!"), (Pieces{letters, "!"}));
  EXPECT_EQ(split("granite-embed-multi-97m", letters + "!"), (Pieces{letters, "!"}));
  std::string spaced = "ab";
  for (int i = 0; i < 50000; ++i) spaced += " ab";
  EXPECT_EQ(split("exaone-moe", spaced + "!"), (Pieces{spaced, "!"}));
  const std::string digits(30000, '7');
  EXPECT_EQ(split("llama-bpe", digits).size(), 10000u);
  EXPECT_EQ(split("superbpe", digits).size(), 10000u);
  const std::string spaces = std::string(100000, ' ') + "x";
  EXPECT_EQ(split("qwen2", spaces), (Pieces{std::string(99999, ' '), " x"}));
}

TEST(PreTokenize, SplitsFromSeveralThreadsAtOnce) {
  auto pre = PreTokenizer::create("llama-bpe");
  ASSERT_TRUE(pre.is_ok());
  const std::string text = "Hello world's 12345 !! ";
  std::vector<std::thread> threads;
  std::vector<size_t> counts(4);
  for (size_t t = 0; t < counts.size(); ++t) {
    threads.emplace_back([&, t] {
      std::string long_text;
      for (int i = 0; i < 500; ++i) long_text += text;
      counts[t] = (*pre)->split(long_text).size();
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (size_t count : counts) EXPECT_EQ(count, 500u * 7u + 1u);  // + the final " "
}

}  // namespace
}  // namespace hearth

// UTF-8 handling (llama.cpp's recovery from malformed input) and the Unicode tables.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tokenizer/byte_unicode.h"
#include "tokenizer/unicode.h"
#include "tokenizer/utf8.h"

namespace hearth {
namespace {

TEST(Utf8, DecodesWellFormedText) {
  EXPECT_EQ(utf8::decode("a\xC3\xA9\xE6\x9D\xB1\xF0\x9F\xA6\x99"),
            (std::vector<uint32_t>{'a', 0xE9, 0x6771, 0x1F999}));
}

TEST(Utf8, EachMalformedByteIsOneReplacement) {
  // Stray continuation, truncated sequence, invalid lead byte.
  EXPECT_EQ(utf8::decode("\x80" "a"), (std::vector<uint32_t>{0xFFFD, 'a'}));
  EXPECT_EQ(utf8::decode("\xE6\x9D" "a"), (std::vector<uint32_t>{0xFFFD, 0xFFFD, 'a'}));
  EXPECT_EQ(utf8::decode("\xFF"), (std::vector<uint32_t>{0xFFFD}));
  EXPECT_EQ(utf8::sanitize("a\xF0\x9F"), "a\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_TRUE(utf8::is_valid("\xEF\xBF\xBD ok"));
  EXPECT_FALSE(utf8::is_valid("\xF0\x9F"));
}

TEST(Utf8, CompletePrefixHoldsBackOnlyAnUnfinishedCharacter) {
  EXPECT_EQ(utf8::complete_prefix_length("ab\xF0\x9F\xA6"), 2u);
  EXPECT_EQ(utf8::complete_prefix_length("ab\xF0\x9F\xA6\x99"), 6u);
  EXPECT_EQ(utf8::complete_prefix_length("\xC3"), 0u);
  // Bytes that can never become a character are not held back.
  EXPECT_EQ(utf8::complete_prefix_length("a\x99"), 2u);
  EXPECT_EQ(utf8::complete_prefix_length("\xFF"), 1u);
  EXPECT_EQ(utf8::complete_prefix_length("\xF0\x9F\x41"), 3u);
}

TEST(Utf8, EncodesEveryLength) {
  EXPECT_EQ(utf8::encode(0x41), "A");
  EXPECT_EQ(utf8::encode(0xE9), "\xC3\xA9");
  EXPECT_EQ(utf8::encode(0x2581), "\xE2\x96\x81");
  EXPECT_EQ(utf8::encode(0x1F999), "\xF0\x9F\xA6\x99");
  EXPECT_EQ(utf8::encode(0x110000), "\xEF\xBF\xBD");
}

TEST(Unicode, Categories) {
  using unicode::Category;
  EXPECT_EQ(unicode::category('a'), Category::kLetter);
  EXPECT_EQ(unicode::category(0x6771), Category::kLetter);  // 東
  EXPECT_EQ(unicode::category('7'), Category::kNumber);
  EXPECT_EQ(unicode::category(','), Category::kPunctuation);
  EXPECT_EQ(unicode::category(0x3001), Category::kPunctuation);  // 、
  EXPECT_EQ(unicode::category('$'), Category::kSymbol);
  EXPECT_EQ(unicode::category(0x301), Category::kMark);  // combining acute
  EXPECT_EQ(unicode::category(0x200B), Category::kControl);  // zero-width space is Cf
  EXPECT_EQ(unicode::category(0x378), Category::kUndefined);
  EXPECT_EQ(unicode::category(0x10FFFF), Category::kUndefined);
}

TEST(Unicode, WhitespaceLowercaseAndDecomposition) {
  EXPECT_TRUE(unicode::is_whitespace(0x3000));
  EXPECT_TRUE(unicode::is_whitespace(0x85));
  EXPECT_FALSE(unicode::is_whitespace(0x200B));
  EXPECT_EQ(unicode::to_lower('A'), static_cast<uint32_t>('a'));
  EXPECT_EQ(unicode::to_lower(0xC4), 0xE4u);     // Ä -> ä
  EXPECT_EQ(unicode::to_lower(0x130), 0x69u);    // İ -> i (simple mapping)
  EXPECT_EQ(unicode::to_lower(0x6771), 0x6771u);
  EXPECT_EQ(unicode::nfd_first(0xE9), 0x65u);    // é -> e
  EXPECT_EQ(unicode::nfd_first(0xD55C), 0x1112u);  // 한 -> leading jamo ᄒ
  EXPECT_EQ(unicode::nfd_first('e'), static_cast<uint32_t>('e'));
}

TEST(ByteUnicode, MappingIsGpt2s) {
  EXPECT_EQ(byte_to_unicode(' '), "\xC4\xA0");   // Ġ
  EXPECT_EQ(byte_to_unicode('\n'), "\xC4\x8A");  // Ċ
  EXPECT_EQ(byte_to_unicode('a'), "a");
  for (int b = 0; b < 256; ++b) {
    const std::string s = byte_to_unicode(static_cast<uint8_t>(b));
    size_t offset = 0;
    EXPECT_EQ(unicode_to_byte(utf8::decode_one(s, offset)), b);
  }
  EXPECT_EQ(unicode_to_byte(0x2581), -1);
}

}  // namespace
}  // namespace hearth

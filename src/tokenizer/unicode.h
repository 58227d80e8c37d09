// tokenizer: the Unicode properties WordPiece normalisation asks about (category, white
// space, lowercase, first code point of the canonical decomposition).
#pragma once

#include <cstdint>

namespace hearth::unicode {

// General category, grouped by its first letter (Cn "unassigned" is kUndefined).
enum class Category : uint8_t {
  kUndefined = 0,
  kNumber = 1,       // N*
  kLetter = 2,       // L*
  kSeparator = 3,    // Z*
  kMark = 4,         // M* (accents and other combining marks)
  kPunctuation = 5,  // P*
  kSymbol = 6,       // S*
  kControl = 7,      // Cc, Cf, Co, Cs
};

Category category(uint32_t cpt);
bool is_whitespace(uint32_t cpt);  // the Unicode White_Space property
uint32_t to_lower(uint32_t cpt);    // simple (one code point) lowercase mapping
uint32_t nfd_first(uint32_t cpt);   // first code point of the NFD decomposition

}  // namespace hearth::unicode

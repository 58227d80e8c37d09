// tokenizer: lookups into the generated Unicode tables.
#include "tokenizer/unicode.h"

#include <algorithm>

#include "tokenizer/unicode_tables.h"

namespace hearth::unicode {

Category category(uint32_t cpt) {
  using data::kCategoryRanges;
  if (cpt >= 0x110000) return Category::kUndefined;
  const auto* end = kCategoryRanges + data::kCategoryRanges_size;
  // The last range starting at or before cpt.
  const auto* it = std::upper_bound(kCategoryRanges, end, cpt,
                                    [](uint32_t c, const data::CategoryRange& r) {
                                      return c < r.first;
                                    });
  return static_cast<Category>((it - 1)->category);
}

bool is_whitespace(uint32_t cpt) {
  if (cpt >= 0x09 && cpt <= 0x0D) return true;
  if (cpt >= 0x2000 && cpt <= 0x200A) return true;
  switch (cpt) {
    case 0x20: case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return false;
  }
}

uint32_t to_lower(uint32_t cpt) {
  const auto* begin = data::kLowercase;
  const auto* end = begin + data::kLowercase_size;
  const auto* it = std::lower_bound(begin, end, cpt, [](const data::CodepointPair& p, uint32_t c) {
    return p.from < c;
  });
  return (it != end && it->from == cpt) ? it->to : cpt;
}

uint32_t nfd_first(uint32_t cpt) {
  const auto* begin = data::kNfdRanges;
  const auto* end = begin + data::kNfdRanges_size;
  const auto* it = std::upper_bound(begin, end, cpt, [](uint32_t c, const data::NfdRange& r) {
    return c < r.first;
  });
  if (it == begin) return cpt;
  --it;
  return (cpt <= it->last) ? it->nfd : cpt;
}

}  // namespace hearth::unicode

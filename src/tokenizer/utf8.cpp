// tokenizer: UTF-8 helpers (see utf8.h for the malformed-input rules).
#include "tokenizer/utf8.h"

namespace hearth::utf8 {
namespace {

bool is_continuation(uint8_t b) { return (b & 0xC0) == 0x80; }

}  // namespace

size_t sequence_length(uint8_t lead) {
  // High nibble: 0-B -> 1 (ASCII or stray continuation), C-D -> 2, E -> 3, F -> 4.
  static constexpr uint8_t kByNibble[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kByNibble[lead >> 4];
}

uint32_t decode_one(std::string_view text, size_t& offset) {
  const auto at = [&](size_t i) { return static_cast<uint8_t>(text[offset + i]); };
  const uint8_t b0 = at(0);
  if (b0 < 0x80) {
    offset += 1;
    return b0;
  }
  size_t n = 0;
  uint32_t cpt = 0;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2;
    cpt = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3;
    cpt = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4;
    cpt = b0 & 0x07;
  } else {  // stray continuation byte or 0xF8..0xFF
    offset += 1;
    return kReplacement;
  }
  if (offset + n > text.size()) {
    offset += 1;
    return kReplacement;
  }
  for (size_t i = 1; i < n; ++i) {
    if (!is_continuation(at(i))) {
      offset += 1;
      return kReplacement;
    }
    cpt = (cpt << 6) | (at(i) & 0x3F);
  }
  offset += n;
  return cpt;
}

std::vector<uint32_t> decode(std::string_view text) {
  std::vector<uint32_t> out;
  out.reserve(text.size());
  size_t offset = 0;
  while (offset < text.size()) out.push_back(decode_one(text, offset));
  return out;
}

void append(std::string& out, uint32_t cpt) {
  if (cpt > 0x10FFFF) cpt = kReplacement;
  if (cpt < 0x80) {
    out.push_back(static_cast<char>(cpt));
  } else if (cpt < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cpt >> 6)));
    out.push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
  } else if (cpt < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cpt >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cpt >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cpt >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cpt >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cpt >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
  }
}

std::string encode(uint32_t cpt) {
  std::string out;
  append(out, cpt);
  return out;
}

std::string sanitize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t offset = 0;
  while (offset < text.size()) {
    const size_t start = offset;
    const uint32_t cpt = decode_one(text, offset);
    if (cpt == kReplacement || cpt > 0x10FFFF) {
      append(out, kReplacement);  // also rewrites a literal U+FFFD: same bytes
    } else {
      out.append(text.substr(start, offset - start));
    }
  }
  return out;
}

bool is_valid(std::string_view text) {
  size_t offset = 0;
  while (offset < text.size()) {
    const size_t start = offset;
    const uint32_t cpt = decode_one(text, offset);
    if (cpt > 0x10FFFF) return false;
    // A literal U+FFFD is three bytes; a replacement for a bad byte advances by one.
    if (cpt == kReplacement && offset - start != 3) return false;
  }
  return true;
}

size_t complete_prefix_length(std::string_view bytes) {
  const size_t n = bytes.size();
  // An incomplete sequence is a lead byte within the last 3 bytes followed only by
  // continuation bytes, fewer than it announces.
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    const auto b = static_cast<uint8_t>(bytes[n - back]);
    if (is_continuation(b)) continue;
    const size_t need = (b & 0xE0) == 0xC0   ? 2
                        : (b & 0xF0) == 0xE0 ? 3
                        : (b & 0xF8) == 0xF0 ? 4
                                             : 1;
    return need > back ? n - back : n;
  }
  return n;
}

}  // namespace hearth::utf8

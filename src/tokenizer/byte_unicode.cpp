// tokenizer: GPT-2 byte <-> unicode mapping tables, built once.
#include "tokenizer/byte_unicode.h"

#include <array>

#include "tokenizer/utf8.h"

namespace hearth {
namespace {

struct ByteTables {
  std::array<std::string, 256> to_text;
  std::array<uint32_t, 256> to_cpt{};
  std::array<int16_t, 256 + 68> from_cpt{};  // -1 where no byte maps to the code point
  ByteTables() {
    from_cpt.fill(-1);
    const auto printable = [](int b) {
      return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    };
    uint32_t next = 256;  // non-printable bytes take U+0100, U+0101, ... in byte order
    for (int b = 0; b < 256; ++b) {
      to_cpt[b] = printable(b) ? static_cast<uint32_t>(b) : next++;
      to_text[b] = utf8::encode(to_cpt[b]);
      from_cpt[to_cpt[b]] = static_cast<int16_t>(b);
    }
  }
};

const ByteTables& tables() {
  static const ByteTables t;
  return t;
}

}  // namespace

const std::string& byte_to_unicode(uint8_t byte) { return tables().to_text[byte]; }

void append_byte_encoded(std::string& out, std::string_view bytes) {
  const auto& t = tables();
  for (char c : bytes) out += t.to_text[static_cast<uint8_t>(c)];
}

int unicode_to_byte(uint32_t cpt) {
  const auto& t = tables();
  return cpt < t.from_cpt.size() ? t.from_cpt[cpt] : -1;
}

}  // namespace hearth

// tokenizer: GPT-2's reversible byte <-> printable-character mapping used by byte-level BPE
// (printable Latin-1 bytes map to themselves, the other 68 to U+0100 upwards).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hearth {

// UTF-8 text of the character standing for `byte`.
const std::string& byte_to_unicode(uint8_t byte);
// Appends the mapped characters of every byte of `bytes`.
void append_byte_encoded(std::string& out, std::string_view bytes);
// The byte a mapped code point stands for, or -1 when `cpt` is not in the mapping.
int unicode_to_byte(uint32_t cpt);

}  // namespace hearth

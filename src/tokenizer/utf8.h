// tokenizer: UTF-8 decoding and encoding with llama.cpp's rules for malformed input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::utf8 {

inline constexpr uint32_t kReplacement = 0xFFFD;

// Length of the sequence a lead byte announces (1 for ASCII and for stray continuation
// bytes, 2/3/4 by the high bits), as llama.cpp counts when it walks text char by char.
size_t sequence_length(uint8_t lead);

// Decodes one code point at `offset` and advances past it. A malformed sequence (stray
// continuation byte, truncated sequence, lead byte 0xF8..0xFF) yields U+FFFD and advances
// one byte, the way llama.cpp's unicode_cpts_from_utf8 recovers.
uint32_t decode_one(std::string_view text, size_t& offset);
std::vector<uint32_t> decode(std::string_view text);

// Appends the UTF-8 encoding of `cpt`; code points above U+10FFFF become U+FFFD.
void append(std::string& out, uint32_t cpt);
std::string encode(uint32_t cpt);

// `text` with every malformed byte replaced by U+FFFD (a copy only when needed is the
// caller's concern: this always returns a new string).
std::string sanitize(std::string_view text);
bool is_valid(std::string_view text);

// Length of the longest prefix of `bytes` that does not end inside an incomplete (but so far
// well-formed) multi-byte sequence: the bytes after it may still be completed by more input.
size_t complete_prefix_length(std::string_view bytes);

}  // namespace hearth::utf8

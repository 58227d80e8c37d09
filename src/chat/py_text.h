// chat: Python str semantics on UTF-8 text (code points, whitespace, case, repr, float repr),
// so that templates written for Python jinja2 render the same bytes here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::chat {

// Decodes UTF-8 into code points; an invalid byte becomes U+FFFD (one per byte), so that any
// input, valid or not, can be indexed and measured.
std::vector<uint32_t> utf8_decode(std::string_view s);
void utf8_append(std::string& out, uint32_t cp);
std::string utf8_encode(const std::vector<uint32_t>& cps, size_t begin, size_t end);
// Number of code points (Python len(str)).
size_t utf8_length(std::string_view s);
bool is_ascii(std::string_view s);

// Python's str.isspace() for one code point (the set str.split()/strip() use by default).
bool py_isspace(uint32_t cp);
// Python's simple case mapping for the scripts chat templates meet (Latin, Greek, Cyrillic).
uint32_t py_to_upper(uint32_t cp);
uint32_t py_to_lower(uint32_t cp);
bool py_is_upper(uint32_t cp);
bool py_is_lower(uint32_t cp);
bool py_is_alpha(uint32_t cp);
bool py_is_digit(uint32_t cp);

std::string py_upper(std::string_view s);
std::string py_lower(std::string_view s);
std::string py_capitalize(std::string_view s);
// str.title(): a letter after a non-letter starts a word.
std::string py_title(std::string_view s);

// str.strip(chars) / lstrip / rstrip; `chars` null means whitespace.
std::string py_strip(std::string_view s, const std::string* chars, bool left, bool right);

// repr(str): single quotes unless the text holds ' and no ", escapes as CPython does.
std::string py_str_repr(std::string_view s);
// repr(float) / str(float): shortest round-trip digits, '1.0', '1e+16', 'inf', 'nan'.
std::string py_float_repr(double v);

}  // namespace hearth::chat

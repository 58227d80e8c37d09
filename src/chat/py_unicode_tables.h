// chat: CPython's Unicode case mappings and non-printable code points (generated data, see
// tools/gen_py_unicode_tables.py), used by py_text.cpp.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hearth::chat::unicode_tables {

struct CasePair {
  uint32_t from, to;
};
struct CaseExpansion {  // a mapping to several code points, e.g. 'ß'.upper() == 'SS'
  uint32_t from;
  const char* to_utf8;
};
struct CodeRange {
  uint32_t first, last;
};

// All arrays are sorted by their first field.
struct Table {
  const CasePair* upper;
  size_t n_upper;
  const CaseExpansion* upper_expansions;
  size_t n_upper_expansions;
  const CasePair* lower;
  size_t n_lower;
  const CaseExpansion* lower_expansions;
  size_t n_lower_expansions;
  const CodeRange* non_printable;
  size_t n_non_printable;
};

extern const Table kTable;

}  // namespace hearth::chat::unicode_tables

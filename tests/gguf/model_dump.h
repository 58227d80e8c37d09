// tests: reads the models-meta/*.txt dumps (gguf-py's gguf_dump.py output) used as reference.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace hearth::gguf::testing {

// A Python literal as gguf_dump prints it: a number, a bool, a string, or a list of them.
struct PyLiteral {
  enum class Kind { kNumber, kBool, kString, kList };
  Kind kind = Kind::kNumber;
  std::string text;               // the number's text, or the decoded UTF-8 string
  bool boolean = false;
  std::vector<PyLiteral> items;   // shown list items
  bool list_truncated = false;    // the list ended in ", ..."
};

struct DumpedKey {
  std::string type;   // "UINT32", "[STRING]", ...
  uint64_t count = 0;  // 1 for scalars, the item count for arrays
  std::string key;
  std::optional<PyLiteral> value;  // absent when the dump shows no value
};

struct DumpedTensor {
  uint64_t n_elements = 0;
  std::vector<uint64_t> ne;  // always 4 entries, padded with 1
  std::string type;
  std::string name;
};

struct ModelDump {
  uint64_t n_dumped_keys = 0;        // includes the 3 GGUF.* pseudo keys
  std::vector<DumpedKey> keys;       // in file order, pseudo keys included
  std::vector<DumpedTensor> tensors;
};

// Parses a dump; on failure returns an error string instead.
std::variant<ModelDump, std::string> read_model_dump(const std::string& path);

// Parses one Python literal (used for the values after " = ").
std::optional<PyLiteral> parse_py_literal(const std::string& text);

}  // namespace hearth::gguf::testing

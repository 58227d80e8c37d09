// tests: reference-data paths and a cache of loaded tokenizers (loading a 262k vocabulary
// once per test binary, not once per test).
#pragma once

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <ostream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"

namespace hearth::tokenizer_testing {

inline std::string testdata(const std::string& rel) {
  return std::string(HEARTH_TESTDATA) + "/" + rel;
}

inline std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The tokenizer of a GGUF file, loaded on first use; nullptr (with a test failure) when the
// file does not load.
inline const Tokenizer* load_tokenizer(const std::string& path) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  auto it = cache.find(path);
  if (it != cache.end()) return it->second.get();
  auto file = gguf::GgufFile::open(path);
  if (!file) {
    ADD_FAILURE() << "opening " << path << ": " << file.message();
    return nullptr;
  }
  auto tok = Tokenizer::from_gguf(**file);
  if (!tok) {
    ADD_FAILURE() << "tokenizer of " << path << ": " << tok.message();
    return nullptr;
  }
  return cache.emplace(path, std::move(tok).value()).first->second.get();
}

inline std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// The VOCAB.gguf + .inp + .out triples of the reference data.
inline const char* const kVocabDirs[] = {"tokenizer", "tokenizer/hf", "tokenizer/reconstructed",
                             "tokenizer/synthetic"};

struct VocabCase {
  std::string gguf;  // path of VOCAB.gguf; its .inp and .out sit beside it
  std::string name;  // for the test name
};

// gtest prints a parameter with this instead of its raw bytes.
inline void PrintTo(const VocabCase& c, std::ostream* os) { *os << c.gguf; }

struct Listing {
  std::vector<VocabCase> cases;
  std::vector<std::string> without_gguf;  // .inp files whose vocabulary is not at hand
};

inline const Listing& listing() {
  static const Listing l = [] {
    Listing out;
    for (const char* dir : kVocabDirs) {
      const std::filesystem::path root = testdata(dir);
      if (!std::filesystem::is_directory(root)) continue;
      for (const auto& e : std::filesystem::directory_iterator(root)) {
        const std::string p = e.path().string();
        if (e.path().extension() != ".inp") continue;
        const std::string gguf = p.substr(0, p.size() - 4);
        if (!std::filesystem::exists(gguf)) {
          out.without_gguf.push_back(p);
          continue;
        }
        std::string name = std::string(dir) + "_" + e.path().stem().stem().string();
        for (char& c : name) {
          if (!isalnum(static_cast<unsigned char>(c))) c = '_';
        }
        out.cases.push_back({gguf, name});
      }
    }
    std::sort(out.cases.begin(), out.cases.end(),
              [](const VocabCase& a, const VocabCase& b) { return a.gguf < b.gguf; });
    return out;
  }();
  return l;
}

}  // namespace hearth::tokenizer_testing

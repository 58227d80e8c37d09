// tests: where the reference data lives, and listing its GGUF files.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace hearth::gguf::testing {

inline std::string testdata(const std::string& rel) {
  return std::string(HEARTH_TESTDATA) + "/" + rel;
}

// Sorted paths of the *.gguf files directly in `dir` (under the test data), recursing if asked.
inline std::vector<std::string> gguf_files(const std::string& dir, bool recursive = false) {
  std::vector<std::string> out;
  const std::filesystem::path root = testdata(dir);
  if (!std::filesystem::is_directory(root)) return out;
  auto add = [&](const std::filesystem::directory_entry& e) {
    if (e.is_regular_file() && e.path().extension() == ".gguf") out.push_back(e.path().string());
  };
  if (recursive) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) add(e);
  } else {
    for (const auto& e : std::filesystem::directory_iterator(root)) add(e);
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace hearth::gguf::testing

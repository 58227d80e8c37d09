// Test helpers: paths of the reference models and rewriting a GGUF file with edits (to build
// bad inputs from good ones).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "model/model.h"

namespace hearth::testing {

inline std::string testdata(const std::string& rel) { return std::string(HEARTH_TESTDATA) + "/" + rel; }
inline std::string model_path(const std::string& stem) { return testdata("models/" + stem + ".gguf"); }

// The reference model `stem` loaded, or nullptr after a test failure naming the error.
std::unique_ptr<Model> load_model(const std::string& stem);

// A tensor about to be written; edit any field (or set keep = false to drop it).
struct TensorEdit {
  std::string name;
  std::vector<uint64_t> ne;
  DType dtype;
  std::vector<uint8_t> data;
  bool keep = true;
};

// Copies `src` to `dst` with every tensor passed through `edit_tensor` and every key through
// `edit_key` (return false to drop the key). Returns an error message, empty on success.
std::string rewrite_gguf(const std::string& src, const std::string& dst,
                         const std::function<void(TensorEdit&)>& edit_tensor,
                         const std::function<bool(gguf::KeyValue&)>& edit_key = {});

// A fresh path under the test temp directory.
std::string temp_path(const std::string& name);

}  // namespace hearth::testing

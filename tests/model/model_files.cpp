#include "model_files.h"

#include <gtest/gtest.h>

namespace hearth::testing {

std::string rewrite_gguf(const std::string& src, const std::string& dst,
                         const std::function<void(TensorEdit&)>& edit_tensor,
                         const std::function<bool(gguf::KeyValue&)>& edit_key) {
  auto file = gguf::GgufFile::open(src);
  if (!file) return file.message();
  gguf::GgufWriter writer((*file)->alignment());
  for (gguf::KeyValue kv : (*file)->metadata()) {
    if (edit_key && !edit_key(kv)) continue;
    writer.set(kv.key, kv.value);
  }
  for (const gguf::TensorInfo& t : (*file)->tensors()) {
    TensorEdit e{t.name, t.ne, t.dtype, std::vector<uint8_t>(t.data, t.data + t.nbytes)};
    if (edit_tensor) edit_tensor(e);
    if (!e.keep) continue;
    const Status st = writer.add_tensor(e.name, e.ne, e.dtype, std::move(e.data));
    if (!st) return st.message();
  }
  const Status st = writer.write_file(dst);
  return st ? std::string() : st.message();
}

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "hearth_model_" + name; }

std::unique_ptr<Model> load_model(const std::string& stem) {
  auto m = Model::load(model_path(stem));
  EXPECT_TRUE(m.is_ok()) << m.message();
  return m ? std::move(m).value() : nullptr;
}

}  // namespace hearth::testing

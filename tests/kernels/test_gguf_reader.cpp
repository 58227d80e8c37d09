#include "test_gguf_reader.h"

#include <cstring>
#include <fstream>
#include <iterator>

namespace hearth::testing {
namespace {

class Cursor {
 public:
  explicit Cursor(const std::vector<uint8_t>& b) : b_(b) {}
  uint64_t pos() const { return pos_; }

  Status read(void* out, uint64_t n) {
    if (n > b_.size() - pos_) return Status::errorf("truncated GGUF at byte {}", pos_);
    std::memcpy(out, b_.data() + pos_, n);
    pos_ += n;
    return Status::ok();
  }
  Status skip(uint64_t n) {
    if (n > b_.size() - pos_) return Status::errorf("truncated GGUF at byte {}", pos_);
    pos_ += n;
    return Status::ok();
  }
  template <typename T>
  Result<T> get() {
    T v{};
    HEARTH_RETURN_IF_ERROR(read(&v, sizeof v));
    return v;
  }
  Result<std::string> str() {
    HEARTH_ASSIGN_OR_RETURN(uint64_t n, get<uint64_t>());
    if (n > b_.size() - pos_) return Status::errorf("string of {} bytes past the end", n);
    std::string s(reinterpret_cast<const char*>(b_.data() + pos_), n);
    pos_ += n;
    return s;
  }

 private:
  const std::vector<uint8_t>& b_;
  uint64_t pos_ = 0;
};

// Size of a scalar GGUF value type; 0 for string (8) and array (9).
uint64_t scalar_size(uint32_t type) {
  static constexpr uint64_t kSizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
  return type < std::size(kSizes) ? kSizes[type] : 0;
}

Status skip_value(Cursor& c, uint32_t type, int depth) {
  if (depth > 4) return Status::error("arrays nested too deeply");
  if (type == 8) return c.str().status();
  if (type == 9) {
    HEARTH_ASSIGN_OR_RETURN(uint32_t elem, c.get<uint32_t>());
    HEARTH_ASSIGN_OR_RETURN(uint64_t n, c.get<uint64_t>());
    for (uint64_t i = 0; i < n; ++i) HEARTH_RETURN_IF_ERROR(skip_value(c, elem, depth + 1));
    return Status::ok();
  }
  const uint64_t size = scalar_size(type);
  if (size == 0) return Status::errorf("unknown GGUF value type {}", type);
  return c.skip(size);
}

}  // namespace

const TestTensor* TestGguf::find(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

Result<TestGguf> read_test_gguf(const std::string& path) {
  TestGguf g;
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Status::errorf("cannot open {}", path);
  const std::streamoff size = in.tellg();
  if (size < 0) return Status::errorf("cannot get the size of {}", path);
  g.bytes.resize(static_cast<size_t>(size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(g.bytes.data()), size))
    return Status::errorf("cannot read {}", path);

  Cursor c(g.bytes);
  HEARTH_ASSIGN_OR_RETURN(uint32_t magic, c.get<uint32_t>());
  if (magic != 0x46554747u) return Status::errorf("{} is not a GGUF file", path);
  HEARTH_ASSIGN_OR_RETURN(uint32_t version, c.get<uint32_t>());
  if (version < 2 || version > 3) return Status::errorf("GGUF version {} unsupported", version);
  HEARTH_ASSIGN_OR_RETURN(uint64_t n_tensors, c.get<uint64_t>());
  HEARTH_ASSIGN_OR_RETURN(uint64_t n_kv, c.get<uint64_t>());

  uint64_t alignment = 32;
  for (uint64_t i = 0; i < n_kv; ++i) {
    HEARTH_ASSIGN_OR_RETURN(std::string key, c.str());
    HEARTH_ASSIGN_OR_RETURN(uint32_t type, c.get<uint32_t>());
    if (key == "general.alignment" && type == 4) {
      HEARTH_ASSIGN_OR_RETURN(uint32_t a, c.get<uint32_t>());
      if (a == 0) return Status::error("general.alignment is 0");
      alignment = a;
    } else {
      HEARTH_RETURN_IF_ERROR(skip_value(c, type, 0));
    }
  }
  for (uint64_t i = 0; i < n_tensors; ++i) {
    TestTensor t;
    HEARTH_ASSIGN_OR_RETURN(t.name, c.str());
    HEARTH_ASSIGN_OR_RETURN(uint32_t n_dims, c.get<uint32_t>());
    if (n_dims > 4) return Status::errorf("tensor {} has {} dims", t.name, n_dims);
    for (uint32_t d = 0; d < n_dims; ++d) {
      HEARTH_ASSIGN_OR_RETURN(uint64_t ne, c.get<uint64_t>());
      t.ne.push_back(ne);
    }
    HEARTH_ASSIGN_OR_RETURN(t.type_id, c.get<uint32_t>());
    HEARTH_ASSIGN_OR_RETURN(t.offset, c.get<uint64_t>());
    g.tensors.push_back(std::move(t));
  }
  g.data_offset = (c.pos() + alignment - 1) / alignment * alignment;
  return g;
}

}  // namespace hearth::testing

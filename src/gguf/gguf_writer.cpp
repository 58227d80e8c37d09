#include "gguf/gguf_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/check.h"
#include "base/checked_math.h"

namespace hearth::gguf {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian u32
constexpr uint32_t kVersion = 3;
constexpr uint64_t kDefaultAlignment = 32;
constexpr size_t kMaxDims = 4;
constexpr const char* kAlignmentKey = "general.alignment";

// Appends little-endian fields to a byte buffer.
class ByteSink {
 public:
  explicit ByteSink(std::vector<uint8_t>& out) : out_(out) {}

  template <typename T>
  void put(T v) {
    append(&v, sizeof(T));
  }
  void put_string(const std::string& s) {
    put<uint64_t>(s.size());
    append(s.data(), s.size());
  }
  void put_bytes(const std::vector<uint8_t>& b) { append(b.data(), b.size()); }
  void pad_to(uint64_t alignment) {
    out_.resize((out_.size() + alignment - 1) / alignment * alignment, 0);
  }

  void put_value(const Value& v) {
    switch (v.type()) {
      case ValueType::UINT8: put<uint8_t>(static_cast<uint8_t>(*v.as_uint())); break;
      case ValueType::UINT16: put<uint16_t>(static_cast<uint16_t>(*v.as_uint())); break;
      case ValueType::UINT32: put<uint32_t>(static_cast<uint32_t>(*v.as_uint())); break;
      case ValueType::UINT64: put<uint64_t>(*v.as_uint()); break;
      case ValueType::INT8: put<int8_t>(static_cast<int8_t>(*v.as_int())); break;
      case ValueType::INT16: put<int16_t>(static_cast<int16_t>(*v.as_int())); break;
      case ValueType::INT32: put<int32_t>(static_cast<int32_t>(*v.as_int())); break;
      case ValueType::INT64: put<int64_t>(*v.as_int()); break;
      case ValueType::FLOAT32: put<float>(static_cast<float>(*v.as_float())); break;
      case ValueType::FLOAT64: put<double>(*v.as_float()); break;
      case ValueType::BOOL: put<uint8_t>(*v.as_bool() ? 1 : 0); break;
      case ValueType::STRING: put_string(*v.as_string()); break;
      case ValueType::ARRAY: {
        const Array* a = v.as_array();
        put<uint32_t>(static_cast<uint32_t>(a->elem_type));
        put<uint64_t>(a->items.size());
        for (const auto& item : a->items) put_value(item);
        break;
      }
    }
  }

 private:
  // resize + memcpy rather than insert: GCC 12 warns falsely (-Wstringop-overflow) on insert.
  void append(const void* p, size_t n) {
    if (n == 0) return;
    const size_t at = out_.size();
    out_.resize(at + n);
    std::memcpy(out_.data() + at, p, n);
  }
  std::vector<uint8_t>& out_;
};

uint64_t align_up(uint64_t x, uint64_t alignment) {
  return (x + alignment - 1) / alignment * alignment;
}

}  // namespace

void GgufWriter::set(std::string key, Value value) {
  for (auto& kv : kvs_) {
    if (kv.first == key) {
      kv.second = std::move(value);
      return;
    }
  }
  kvs_.emplace_back(std::move(key), std::move(value));
}

Status GgufWriter::add_tensor(std::string name, std::vector<uint64_t> ne, DType dtype,
                              std::vector<uint8_t> data) {
  for (const auto& t : tensors_) {
    if (t.name == name) return Status::errorf("tensor '{}' is added twice", name);
  }
  if (ne.empty() || ne.size() > kMaxDims) {
    return Status::errorf("tensor '{}' has {} dimensions, expected 1 to {}", name, ne.size(),
                          kMaxDims);
  }
  uint64_t n = 1;
  for (uint64_t d : ne) {
    auto product = checked_mul(n, d);
    if (d == 0 || !product || *product > static_cast<uint64_t>(INT64_MAX)) {
      return Status::errorf("tensor '{}' has shape [{}]: expected non-zero dims whose product "
                            "fits 63 bits",
                            name, fmt::join(ne, ", "));
    }
    n = *product;
  }
  const auto row = row_bytes(dtype, ne[0]);
  if (!row) {
    return Status::errorf("tensor '{}' has rows of {} elements, not a multiple of {}'s block "
                          "size {}",
                          name, ne[0], dtype_name(dtype), traits(dtype).block_elems);
  }
  const auto nbytes = checked_mul(*row, n / ne[0]);
  if (!nbytes || *nbytes != data.size()) {
    return Status::errorf("tensor '{}' ({} [{}]) needs {} bytes of data but {} were given", name,
                          dtype_name(dtype), fmt::join(ne, ", "),
                          nbytes ? fmt::format("{}", *nbytes) : std::string("2^64+"),
                          data.size());
  }
  tensors_.push_back({std::move(name), std::move(ne), dtype, std::move(data)});
  return Status::ok();
}

std::vector<uint8_t> GgufWriter::to_bytes() const {
  // The alignment is the writer's: a general.alignment set by hand is rewritten to match it,
  // and one is added whenever readers could not assume the default.
  HEARTH_CHECK(alignment_ != 0 && (alignment_ & (alignment_ - 1)) == 0);
  auto kvs = kvs_;
  bool has_alignment_key = false;
  for (auto& kv : kvs) {
    if (kv.first == kAlignmentKey) {
      kv.second = Value::of_uint(ValueType::UINT32, alignment_);
      has_alignment_key = true;
    }
  }
  if (!has_alignment_key && alignment_ != kDefaultAlignment) {
    kvs.emplace_back(kAlignmentKey, Value::of_uint(ValueType::UINT32, alignment_));
  }

  uint64_t data_bytes = 0;
  for (const auto& t : tensors_) data_bytes += align_up(t.data.size(), alignment_);
  std::vector<uint8_t> out;
  out.reserve(data_bytes + 4096);  // metadata usually fits in the slack
  ByteSink sink(out);
  sink.put<uint32_t>(kMagic);
  sink.put<uint32_t>(kVersion);
  sink.put<uint64_t>(tensors_.size());
  sink.put<uint64_t>(kvs.size());
  for (const auto& [key, value] : kvs) {
    sink.put_string(key);
    sink.put<uint32_t>(static_cast<uint32_t>(value.type()));
    sink.put_value(value);
  }
  uint64_t offset = 0;  // relative to the data section; each tensor starts aligned
  for (const auto& t : tensors_) {
    sink.put_string(t.name);
    sink.put<uint32_t>(static_cast<uint32_t>(t.ne.size()));
    for (uint64_t d : t.ne) sink.put<uint64_t>(d);
    sink.put<uint32_t>(static_cast<uint32_t>(t.dtype));
    sink.put<uint64_t>(offset);
    offset = align_up(offset + t.data.size(), alignment_);
  }
  sink.pad_to(alignment_);
  for (const auto& t : tensors_) {
    sink.put_bytes(t.data);
    sink.pad_to(alignment_);
  }
  return out;
}

Status GgufWriter::write_file(const std::string& path) const {
  const std::vector<uint8_t> bytes = to_bytes();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return Status::errorf("cannot create '{}': {}", path, std::strerror(errno));
  const size_t written = std::fwrite(bytes.data(), 1, bytes.size(), f);
  const int write_err = errno;
  const bool closed = std::fclose(f) == 0;
  if (written != bytes.size() || !closed) {
    return Status::errorf("cannot write '{}' ({} of {} bytes written): {}", path, written,
                          bytes.size(), std::strerror(written != bytes.size() ? write_err : errno));
  }
  return Status::ok();
}

}  // namespace hearth::gguf

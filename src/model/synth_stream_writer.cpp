// model/synth: a GGUF writer that streams tensor data to disk.
#include "model/synth_stream_writer.h"

#include <cerrno>
#include <cstring>
#include <optional>

#include "base/checked_math.h"

namespace hearth::synth {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" as a little-endian u32
constexpr uint32_t kVersion = 3;

// Little-endian GGUF encoding of the header parts (everything before the tensor data).
class HeaderBytes {
 public:
  template <typename T>
  void put(T v) {
    const size_t at = bytes_.size();
    bytes_.resize(at + sizeof(T));
    std::memcpy(bytes_.data() + at, &v, sizeof(T));
  }
  void put_string(const std::string& s) {
    put<uint64_t>(s.size());
    bytes_.insert(bytes_.end(), s.begin(), s.end());
  }
  void put_value(const gguf::Value& v) {
    using gguf::ValueType;
    switch (v.type()) {
      case ValueType::UINT8:
        put<uint8_t>(static_cast<uint8_t>(*v.as_uint()));
        break;
      case ValueType::UINT16:
        put<uint16_t>(static_cast<uint16_t>(*v.as_uint()));
        break;
      case ValueType::UINT32:
        put<uint32_t>(static_cast<uint32_t>(*v.as_uint()));
        break;
      case ValueType::UINT64:
        put<uint64_t>(*v.as_uint());
        break;
      case ValueType::INT8:
        put<int8_t>(static_cast<int8_t>(*v.as_int()));
        break;
      case ValueType::INT16:
        put<int16_t>(static_cast<int16_t>(*v.as_int()));
        break;
      case ValueType::INT32:
        put<int32_t>(static_cast<int32_t>(*v.as_int()));
        break;
      case ValueType::INT64:
        put<int64_t>(*v.as_int());
        break;
      case ValueType::FLOAT32:
        put<float>(static_cast<float>(*v.as_float()));
        break;
      case ValueType::FLOAT64:
        put<double>(*v.as_float());
        break;
      case ValueType::BOOL:
        put<uint8_t>(*v.as_bool() ? 1 : 0);
        break;
      case ValueType::STRING:
        put_string(*v.as_string());
        break;
      case ValueType::ARRAY: {
        const gguf::Array* a = v.as_array();
        put<uint32_t>(static_cast<uint32_t>(a->elem_type));
        put<uint64_t>(a->items.size());
        for (const auto& item : a->items) put_value(item);
        break;
      }
    }
  }
  void pad_to(uint64_t alignment) {
    bytes_.resize((bytes_.size() + alignment - 1) / alignment * alignment, 0);
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

Result<uint64_t> tensor_nbytes(const TensorDecl& t) {
  if (t.ne.empty() || t.ne.size() > 4)
    return Status::errorf("tensor '{}' has {} dimensions, expected 1 to 4", t.name, t.ne.size());
  for (uint64_t d : t.ne)
    if (d == 0) return Status::errorf("tensor '{}' has a zero dimension", t.name);
  const auto row = row_bytes(t.dtype, t.ne[0]);
  if (!row)
    return Status::errorf("tensor '{}': rows of {} elements are not whole {} blocks of {}", t.name,
                          t.ne[0], dtype_name(t.dtype), traits(t.dtype).block_elems);
  std::optional<uint64_t> n = *row;
  for (size_t i = 1; i < t.ne.size() && n; ++i) n = checked_mul(*n, t.ne[i]);
  if (!n) return Status::errorf("tensor '{}' is too large", t.name);
  return *n;
}

}  // namespace

Result<std::unique_ptr<GgufStreamWriter>> GgufStreamWriter::create(
    const std::string& path, const std::vector<gguf::KeyValue>& kvs,
    std::vector<TensorDecl> tensors) {
  std::unique_ptr<GgufStreamWriter> w(new GgufStreamWriter());
  w->path_ = path;
  w->tmp_path_ = path + ".tmp";
  HeaderBytes header;
  header.put<uint32_t>(kMagic);
  header.put<uint32_t>(kVersion);
  header.put<uint64_t>(tensors.size());
  header.put<uint64_t>(kvs.size());
  for (const auto& kv : kvs) {
    header.put_string(kv.key);
    header.put<uint32_t>(static_cast<uint32_t>(kv.value.type()));
    header.put_value(kv.value);
  }
  uint64_t offset = 0;  // relative to the data section; every tensor starts aligned
  for (const auto& t : tensors) {
    HEARTH_ASSIGN_OR_RETURN(const uint64_t nbytes, tensor_nbytes(t));
    w->nbytes_.push_back(nbytes);
    header.put_string(t.name);
    header.put<uint32_t>(static_cast<uint32_t>(t.ne.size()));
    for (uint64_t d : t.ne) header.put<uint64_t>(d);
    header.put<uint32_t>(static_cast<uint32_t>(t.dtype));
    header.put<uint64_t>(offset);
    auto next = checked_align_up(offset + nbytes, kAlignment);
    if (!next) return Status::errorf("tensor '{}' ends beyond 2^64 bytes", t.name);
    offset = *next;
  }
  header.pad_to(kAlignment);
  w->tensors_ = std::move(tensors);

  w->file_ = std::fopen(w->tmp_path_.c_str(), "wb");
  if (w->file_ == nullptr)
    return Status::errorf("cannot create '{}': {}", w->tmp_path_, std::strerror(errno));
  HEARTH_RETURN_IF_ERROR(w->put(header.bytes().data(), header.bytes().size()));
  return w;
}

GgufStreamWriter::~GgufStreamWriter() {
  if (file_ != nullptr) std::fclose(file_);
  if (!finished_) std::remove(tmp_path_.c_str());
}

Status GgufStreamWriter::put(const void* data, uint64_t n) {
  if (n != 0 && std::fwrite(data, 1, n, file_) != n)
    return Status::errorf("cannot write '{}' after {} bytes: {} (disk full?)", tmp_path_,
                          bytes_written_, std::strerror(errno));
  bytes_written_ += n;
  return Status::ok();
}

Status GgufStreamWriter::write(const void* data, uint64_t n) {
  if (current_ >= tensors_.size())
    return Status::errorf("'{}': {} bytes of data after the last tensor", path_, n);
  const uint64_t left = nbytes_[current_] - current_done_;
  if (n > left)
    return Status::errorf("tensor '{}': a piece of {} bytes where only {} are left",
                          tensors_[current_].name, n, left);
  HEARTH_RETURN_IF_ERROR(put(data, n));
  current_done_ += n;
  if (current_done_ == nbytes_[current_]) {
    static constexpr uint8_t kZeros[kAlignment] = {};
    HEARTH_RETURN_IF_ERROR(put(kZeros, (kAlignment - nbytes_[current_] % kAlignment) % kAlignment));
    ++current_;
    current_done_ = 0;
  }
  return Status::ok();
}

Status GgufStreamWriter::finish() {
  // Zero-byte tensors cannot exist (every dimension is >= 1 and row_bytes > 0), so a tensor
  // still pending here is one whose data never came.
  if (current_ < tensors_.size())
    return Status::errorf("'{}': tensor '{}' and {} after it have no data yet", path_,
                          tensors_[current_].name, tensors_.size() - current_ - 1);
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!closed) return Status::errorf("cannot write '{}': {}", tmp_path_, std::strerror(errno));
  if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0)
    return Status::errorf("cannot rename '{}' to '{}': {}", tmp_path_, path_, std::strerror(errno));
  finished_ = true;
  return Status::ok();
}

}  // namespace hearth::synth

#include "gguf/gguf_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "gguf/gguf_parser.h"

namespace hearth::gguf {
namespace {

Status missing(std::string_view key) { return Status::errorf("key '{}' is missing", key); }

Status wrong_type(std::string_view key, const Value& v, std::string_view expected) {
  return Status::errorf("key '{}' has type {}, expected {}", key, value_type_name(v.type()),
                        expected);
}

bool is_integer(ValueType t) {
  switch (t) {
    case ValueType::UINT8: case ValueType::INT8: case ValueType::UINT16: case ValueType::INT16:
    case ValueType::UINT32: case ValueType::INT32: case ValueType::UINT64: case ValueType::INT64:
      return true;
    default:
      return false;
  }
}

}  // namespace

Result<std::unique_ptr<GgufFile>> GgufFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::errorf("cannot open '{}': {}", path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::errorf("cannot stat '{}': {}", path, std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::errorf("'{}' is not a regular file", path);
  }
  if (st.st_size == 0) {
    ::close(fd);
    return Status::errorf("'{}' is empty (0 bytes): incomplete download?", path);
  }
  const auto size = static_cast<size_t>(st.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  const int map_err = errno;
  ::close(fd);  // the mapping keeps the file open
  if (map == MAP_FAILED) {
    return Status::errorf("cannot map '{}' ({} bytes): {}", path, size, std::strerror(map_err));
  }
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->path_ = path;
  file->map_ = map;
  file->map_size_ = size;
  file->bytes_ = std::span<const uint8_t>(static_cast<const uint8_t*>(map), size);
  HEARTH_RETURN_IF_ERROR(Parser(*file).run());
  return file;
}

Result<std::unique_ptr<GgufFile>> GgufFile::from_memory(std::span<const uint8_t> bytes,
                                                        std::string name) {
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->path_ = std::move(name);
  file->bytes_ = bytes;
  HEARTH_RETURN_IF_ERROR(Parser(*file).run());
  return file;
}

GgufFile::~GgufFile() {
  if (map_ != nullptr) ::munmap(map_, map_size_);
}

const Value* GgufFile::find(std::string_view key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kvs_[it->second].value;
}

const TensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

Result<uint64_t> GgufFile::get_uint(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  if (auto u = v->as_uint()) return *u;
  if (is_integer(v->type())) {
    return Status::errorf("key '{}' is {}, expected a non-negative integer", key,
                          v->to_display());
  }
  return wrong_type(key, *v, "an integer");
}

Result<int64_t> GgufFile::get_int(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  if (auto i = v->as_int()) return *i;
  if (is_integer(v->type())) {
    return Status::errorf("key '{}' is {}, which does not fit a signed 64-bit integer", key,
                          v->to_display());
  }
  return wrong_type(key, *v, "an integer");
}

Result<double> GgufFile::get_float(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  if (auto d = v->as_float()) return *d;
  return wrong_type(key, *v, "a number");
}

Result<bool> GgufFile::get_bool(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  if (auto b = v->as_bool()) return *b;
  return wrong_type(key, *v, "BOOL");
}

Result<std::string> GgufFile::get_string(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  if (const std::string* s = v->as_string()) return *s;
  return wrong_type(key, *v, "STRING");
}

Result<const Array*> GgufFile::get_array(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  if (const Array* a = v->as_array()) return a;
  return wrong_type(key, *v, "ARRAY");
}

Result<uint64_t> GgufFile::get_uint_or(std::string_view key, uint64_t fallback) const {
  return find(key) == nullptr ? Result<uint64_t>(fallback) : get_uint(key);
}

Result<double> GgufFile::get_float_or(std::string_view key, double fallback) const {
  return find(key) == nullptr ? Result<double>(fallback) : get_float(key);
}

Result<bool> GgufFile::get_bool_or(std::string_view key, bool fallback) const {
  return find(key) == nullptr ? Result<bool>(fallback) : get_bool(key);
}

Result<std::string> GgufFile::get_string_or(std::string_view key, std::string fallback) const {
  return find(key) == nullptr ? Result<std::string>(std::move(fallback)) : get_string(key);
}

}  // namespace hearth::gguf

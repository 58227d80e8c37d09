#include "gguf/gguf_parser.h"

#include <bit>
#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/checked_math.h"

namespace hearth::gguf {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the GGUF reader copies little-endian fields as they are");

constexpr uint32_t kLastValueType = static_cast<uint32_t>(ValueType::FLOAT64);
// Smallest encodings, used to bound counts by the bytes that remain: a key-value pair is a
// key length, a type and at least one value byte; a tensor info is a name length, n_dims, one
// dim, a type and an offset.
constexpr uint64_t kMinKeyValueBytes = 8 + 4 + 1;
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;

// Bytes one array item takes at least (a string is at least its length, an array its header).
uint64_t min_item_bytes(ValueType t) {
  switch (t) {
    case ValueType::UINT8: case ValueType::INT8: case ValueType::BOOL: return 1;
    case ValueType::UINT16: case ValueType::INT16: return 2;
    case ValueType::UINT32: case ValueType::INT32: case ValueType::FLOAT32: return 4;
    case ValueType::UINT64: case ValueType::INT64: case ValueType::FLOAT64: return 8;
    case ValueType::STRING: return 8;
    case ValueType::ARRAY: return 4 + 8;
  }
  return 1;
}

std::string shape_string(const std::vector<uint64_t>& ne) {
  return fmt::format("[{}]", fmt::join(ne, ", "));
}

bool is_power_of_two(uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }

// The first bytes of the pre-GGUF formats, as they appear on disk.
const char* legacy_format(const uint8_t* magic) {
  static constexpr struct { const char bytes[5]; const char* name; } kLegacy[] = {
      {"lmgg", "GGML (unversioned)"}, {"fmgg", "GGMF"}, {"tjgg", "GGJT"}, {"algg", "GGLA"}};
  for (const auto& l : kLegacy)
    if (std::memcmp(magic, l.bytes, 4) == 0) return l.name;
  return nullptr;
}

}  // namespace

Parser::Parser(GgufFile& file) : file_(file), bytes_(file.bytes_) {}

template <typename T>
bool Parser::take(T& out) {
  if (remaining() < sizeof(T)) return false;
  std::memcpy(&out, bytes_.data() + pos_, sizeof(T));
  pos_ += sizeof(T);
  return true;
}

Status Parser::fail(const std::string& message) const {
  return Status::error(file_.path_ + ": " + message);
}

std::string Parser::where() const {
  if (context_.empty()) return "header";
  if (item_path_.empty()) return context_;
  std::string out = context_ + " item ";
  for (uint64_t i : item_path_) out += fmt::format("[{}]", i);
  return out;
}

Status Parser::truncated(uint64_t needed) const {
  return fail(fmt::format(
      "{}: needs {} bytes at byte {} but only {} remain in the {}-byte file: truncated or "
      "corrupt file?",
      where(), needed, pos_, remaining(), bytes_.size()));
}

Status Parser::run() {
  uint64_t n_tensors = 0;
  uint64_t n_kvs = 0;
  HEARTH_RETURN_IF_ERROR(read_header(n_tensors, n_kvs));
  HEARTH_RETURN_IF_ERROR(read_metadata(n_kvs));
  HEARTH_RETURN_IF_ERROR(apply_alignment());
  HEARTH_RETURN_IF_ERROR(read_tensor_infos(n_tensors));

  // The data section starts at the first aligned byte after the tensor infos.
  auto data_offset = checked_align_up(pos_, file_.alignment_);
  if (!data_offset) return fail("data section offset overflows 64 bits: corrupt file?");
  file_.data_offset_ = *data_offset;
  for (auto& t : file_.tensors_) HEARTH_RETURN_IF_ERROR(place_tensor(t));
  return Status::ok();
}

Status Parser::read_header(uint64_t& n_tensors, uint64_t& n_kvs) {
  if (bytes_.size() < 4) {
    return fail(fmt::format("{} bytes is too small to be a GGUF file (the header alone is 24 "
                            "bytes): empty or incomplete file?",
                            bytes_.size()));
  }
  if (std::memcmp(bytes_.data(), "GGUF", 4) != 0) {
    if (const char* legacy = legacy_format(bytes_.data())) {
      return fail(fmt::format("is a legacy {} file, not GGUF: convert the model with a current "
                              "converter",
                              legacy));
    }
    return fail(fmt::format("not a GGUF file: starts with bytes {:02x} {:02x} {:02x} {:02x}, "
                            "expected 'GGUF' (47 47 55 46)",
                            bytes_[0], bytes_[1], bytes_[2], bytes_[3]));
  }
  pos_ = 4;
  uint32_t version = 0;
  if (!take(version)) return truncated(4);
  file_.version_ = version;
  if (version == 1) {
    return fail("GGUF version 1 is obsolete and not supported; re-convert the model with a "
                "current converter");
  }
  const uint32_t swapped = __builtin_bswap32(version);
  if ((version & 0xffffu) == 0 && swapped >= 1 && swapped <= 3) {
    return fail(fmt::format("is a big-endian GGUF file (version {}); hearth reads little-endian "
                            "files only: convert it with gguf_convert_endian or re-convert it",
                            swapped));
  }
  if (version != 2 && version != 3) {
    return fail(fmt::format("GGUF version {} is not supported (hearth reads versions 2 and 3): "
                            "a newer format or a corrupt file?",
                            version));
  }
  if (!take(n_tensors)) return truncated(8);
  if (!take(n_kvs)) return truncated(8);
  return Status::ok();
}

Status Parser::read_metadata(uint64_t n_kvs) {
  if (n_kvs > remaining() / kMinKeyValueBytes) {
    return fail(fmt::format("header says the file has {} metadata keys, but the {} bytes after "
                            "the header can hold at most {}: truncated file or corrupt "
                            "header?",
                            n_kvs, remaining(), remaining() / kMinKeyValueBytes));
  }
  file_.kvs_.reserve(n_kvs);
  for (uint64_t i = 0; i < n_kvs; ++i) {
    KeyValue kv;
    context_ = fmt::format("key #{} name", i);
    HEARTH_RETURN_IF_ERROR(read_string(kv.key));
    context_ = fmt::format("key '{}'", kv.key);
    auto [it, inserted] = file_.kv_index_.try_emplace(kv.key, i);
    if (!inserted) {
      return fail(fmt::format("{} appears twice (entries #{} and #{}): corrupt or badly written "
                              "file",
                              context_, it->second, i));
    }
    uint32_t type = 0;
    if (!take(type)) return truncated(4);
    if (type > kLastValueType) {
      return fail(fmt::format("{} has unknown value type {} (known types are 0 to {}): corrupt "
                              "file?",
                              context_, type, kLastValueType));
    }
    HEARTH_RETURN_IF_ERROR(read_value(static_cast<ValueType>(type), 0, kv.value));
    file_.kvs_.push_back(std::move(kv));
  }
  return Status::ok();
}

Status Parser::read_value(ValueType type, int depth, Value& out) {
  switch (type) {
    case ValueType::UINT8: {
      uint8_t v;
      if (!take(v)) return truncated(1);
      out = Value::of_uint(type, v);
      return Status::ok();
    }
    case ValueType::INT8: {
      int8_t v;
      if (!take(v)) return truncated(1);
      out = Value::of_int(type, v);
      return Status::ok();
    }
    case ValueType::UINT16: {
      uint16_t v;
      if (!take(v)) return truncated(2);
      out = Value::of_uint(type, v);
      return Status::ok();
    }
    case ValueType::INT16: {
      int16_t v;
      if (!take(v)) return truncated(2);
      out = Value::of_int(type, v);
      return Status::ok();
    }
    case ValueType::UINT32: {
      uint32_t v;
      if (!take(v)) return truncated(4);
      out = Value::of_uint(type, v);
      return Status::ok();
    }
    case ValueType::INT32: {
      int32_t v;
      if (!take(v)) return truncated(4);
      out = Value::of_int(type, v);
      return Status::ok();
    }
    case ValueType::UINT64: {
      uint64_t v;
      if (!take(v)) return truncated(8);
      out = Value::of_uint(type, v);
      return Status::ok();
    }
    case ValueType::INT64: {
      int64_t v;
      if (!take(v)) return truncated(8);
      out = Value::of_int(type, v);
      return Status::ok();
    }
    case ValueType::FLOAT32: {
      float v;
      if (!take(v)) return truncated(4);
      out = Value::of_float(type, v);
      return Status::ok();
    }
    case ValueType::FLOAT64: {
      double v;
      if (!take(v)) return truncated(8);
      out = Value::of_float(type, v);
      return Status::ok();
    }
    case ValueType::BOOL: {
      uint8_t v;
      if (!take(v)) return truncated(1);
      out = Value::of_bool(v != 0);
      return Status::ok();
    }
    case ValueType::STRING: {
      std::string s;
      HEARTH_RETURN_IF_ERROR(read_string(s));
      out = Value::of_string(std::move(s));
      return Status::ok();
    }
    case ValueType::ARRAY:
      return read_array(depth + 1, out);
  }
  return fail(fmt::format("{}: unknown value type {}", where(), static_cast<uint32_t>(type)));
}

Status Parser::read_array(int depth, Value& out) {
  if (depth > kMaxArrayDepth) {
    return fail(fmt::format("{}: arrays nested more than {} deep: corrupt file?", where(),
                            kMaxArrayDepth));
  }
  uint32_t elem = 0;
  if (!take(elem)) return truncated(4);
  if (elem > kLastValueType) {
    return fail(fmt::format("{}: array has unknown element type {} (known types are 0 to {}): "
                            "corrupt file?",
                            where(), elem, kLastValueType));
  }
  const auto elem_type = static_cast<ValueType>(elem);
  uint64_t count = 0;
  if (!take(count)) return truncated(8);
  // Bound the count by the bytes left before reserving anything for it.
  const auto needed = checked_mul(count, min_item_bytes(elem_type));
  if (!needed || *needed > remaining()) {
    return fail(fmt::format("{}: array of {} {} items at byte {} needs at least {} bytes but "
                            "only {} remain: truncated or corrupt file?",
                            where(), count, value_type_name(elem_type), pos_ - 12,
                            needed ? fmt::format("{}", *needed) : std::string("2^64+"),
                            remaining()));
  }
  Array array;
  array.elem_type = elem_type;
  array.items.resize(count);
  item_path_.push_back(0);
  for (uint64_t k = 0; k < count; ++k) {
    item_path_.back() = k;
    HEARTH_RETURN_IF_ERROR(read_value(elem_type, depth, array.items[k]));
  }
  item_path_.pop_back();
  out = Value::of_array(std::move(array));
  return Status::ok();
}

Status Parser::read_string(std::string& out) {
  uint64_t length = 0;
  if (!take(length)) return truncated(8);
  if (length > remaining()) {
    return fail(fmt::format("{}: string length {} at byte {} exceeds the {} bytes left in the "
                            "file: truncated or corrupt file?",
                            where(), length, pos_ - 8, remaining()));
  }
  out.assign(reinterpret_cast<const char*>(bytes_.data() + pos_), length);
  pos_ += length;
  return Status::ok();
}

Status Parser::apply_alignment() {
  context_ = "key 'general.alignment'";
  file_.alignment_ = kDefaultAlignment;
  auto it = file_.kv_index_.find("general.alignment");
  if (it == file_.kv_index_.end()) return Status::ok();
  const Value& v = file_.kvs_[it->second].value;
  const auto alignment = v.as_uint();
  if (!alignment || v.type() == ValueType::BOOL) {
    return fail(fmt::format("{} has type {}, expected UINT32", context_,
                            value_type_name(v.type())));
  }
  if (!is_power_of_two(*alignment)) {
    return fail(fmt::format("{} is {}, expected a non-zero power of two: corrupt file?",
                            context_, *alignment));
  }
  file_.alignment_ = *alignment;
  return Status::ok();
}

Status Parser::read_tensor_infos(uint64_t n_tensors) {
  context_.clear();
  if (n_tensors > remaining() / kMinTensorInfoBytes) {
    return fail(fmt::format("header says the file has {} tensors, but the {} bytes after the "
                            "metadata can hold at most {} tensor infos: truncated file or "
                            "corrupt header?",
                            n_tensors, remaining(), remaining() / kMinTensorInfoBytes));
  }
  file_.tensors_.reserve(n_tensors);
  for (uint64_t i = 0; i < n_tensors; ++i) {
    TensorInfo t;
    context_ = fmt::format("tensor #{} name", i);
    HEARTH_RETURN_IF_ERROR(read_string(t.name));
    context_ = fmt::format("tensor '{}'", t.name);
    auto [it, inserted] = file_.tensor_index_.try_emplace(t.name, i);
    if (!inserted) {
      return fail(fmt::format("{} appears twice (tensors #{} and #{}): corrupt or badly "
                              "written file",
                              context_, it->second, i));
    }
    HEARTH_RETURN_IF_ERROR(read_tensor_info(t));
    file_.tensors_.push_back(std::move(t));
  }
  return Status::ok();
}

Status Parser::read_tensor_info(TensorInfo& t) {
  uint32_t n_dims = 0;
  if (!take(n_dims)) return truncated(4);
  if (n_dims == 0 || n_dims > kMaxDims) {
    return fail(fmt::format("{} has {} dimensions, expected 1 to {} (GGML_MAX_DIMS): corrupt "
                            "file?",
                            context_, n_dims, kMaxDims));
  }
  t.ne.resize(n_dims);
  for (auto& d : t.ne)
    if (!take(d)) return truncated(8);
  if (!take(t.type_id)) return truncated(4);
  if (!take(t.offset)) return truncated(8);

  // ggml keeps dims and element counts in int64_t.
  uint64_t n = 1;
  for (uint64_t d : t.ne) {
    if (d == 0) {
      return fail(fmt::format("{} has shape {} with a zero dimension: corrupt file?", context_,
                              shape_string(t.ne)));
    }
    auto product = checked_mul(n, d);
    if (!product || *product > static_cast<uint64_t>(INT64_MAX)) {
      return fail(fmt::format("{} has shape {} whose element count overflows 63 bits: corrupt "
                              "file?",
                              context_, shape_string(t.ne)));
    }
    n = *product;
  }
  t.n_elements = n;

  const auto traits = dtype_traits(t.type_id);
  if (!traits) return Status::ok();  // unknown type: the model loader decides what to do
  t.known_type = true;
  t.dtype = static_cast<DType>(t.type_id);
  const auto row = row_bytes(t.dtype, t.ne[0]);
  if (!row) {
    return fail(fmt::format("{} has rows of {} elements, not a multiple of {}'s block size {}: "
                            "corrupt file?",
                            context_, t.ne[0], traits->name, traits->block_elems));
  }
  const auto nbytes = checked_mul(*row, n / t.ne[0]);
  if (!nbytes) {
    return fail(fmt::format("{} with shape {} of {} has a byte size that overflows 64 bits: "
                            "corrupt file?",
                            context_, shape_string(t.ne), traits->name));
  }
  t.nbytes = *nbytes;
  return Status::ok();
}

Status Parser::place_tensor(TensorInfo& t) {
  context_ = fmt::format("tensor '{}'", t.name);
  if (t.offset % file_.alignment_ != 0) {
    return fail(fmt::format("{} data offset {} is not a multiple of the alignment {}: corrupt "
                            "file?",
                            context_, t.offset, file_.alignment_));
  }
  const uint64_t size = bytes_.size();
  const auto start = checked_add(file_.data_offset_, t.offset);
  if (!start || *start > size) {
    return fail(fmt::format("{} starts at byte {} but the file has {} bytes: incomplete download "
                            "or corrupt file?",
                            context_, start ? fmt::format("{}", *start) : std::string("2^64+"),
                            size));
  }
  if (!t.known_type) return Status::ok();
  const auto end = checked_add(*start, t.nbytes);
  if (!end || *end > size) {
    return fail(fmt::format("{} ends at byte {} but the file has {} bytes: incomplete download "
                            "or corrupt file?",
                            context_, end ? fmt::format("{}", *end) : std::string("2^64+"), size));
  }
  t.data = bytes_.data() + *start;
  return Status::ok();
}

}  // namespace hearth::gguf

// gguf: metadata values (every GGUF value type, arrays nested to any depth).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hearth::gguf {

// On-disk value type ids (GGUF v2/v3).
enum class ValueType : uint32_t {
  UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6,
  BOOL = 7, STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
};
std::string_view value_type_name(ValueType t);  // "UINT32", "ARRAY", ...

class Value;
struct Array {
  ValueType elem_type = ValueType::UINT8;
  std::vector<Value> items;
};

class Value {
 public:
  Value() = default;
  static Value of_uint(ValueType t, uint64_t v);   // UINT8..UINT64
  static Value of_int(ValueType t, int64_t v);     // INT8..INT64
  static Value of_float(ValueType t, double v);    // FLOAT32/FLOAT64
  static Value of_bool(bool v);
  static Value of_string(std::string v);
  static Value of_array(Array a);

  ValueType type() const { return type_; }

  // Typed reads. Integers convert between widths when the value fits; floats accept any
  // numeric type; nullopt when the type does not match.
  std::optional<uint64_t> as_uint() const;
  std::optional<int64_t> as_int() const;
  std::optional<double> as_float() const;
  std::optional<bool> as_bool() const;
  const std::string* as_string() const;
  const Array* as_array() const;

  // Short human-readable rendering (arrays abbreviated), for `hearth inspect`.
  std::string to_display(size_t max_items = 6) const;

 private:
  ValueType type_ = ValueType::UINT8;
  std::variant<uint64_t, int64_t, double, bool, std::string, std::shared_ptr<Array>> v_;
};

}  // namespace hearth::gguf

#include "tensor/dtype.h"

#include <array>
#include <cctype>
#include <string>

namespace hearth {
namespace {

struct Entry {
  DType type;
  DTypeTraits traits;
};

// Block sizes follow the ggml block structs (e.g. Q4_K: 2 f16 scales + 12 scale bytes + 128
// nibble bytes = 144 bytes per 256 elements).
constexpr std::array kTable = {
    Entry{DType::F32, {"F32", 1, 4, true}},
    Entry{DType::F16, {"F16", 1, 2, true}},
    Entry{DType::BF16, {"BF16", 1, 2, true}},
    Entry{DType::Q4_0, {"Q4_0", 32, 18, true}},
    Entry{DType::Q4_1, {"Q4_1", 32, 20, true}},
    Entry{DType::Q5_0, {"Q5_0", 32, 22, true}},
    Entry{DType::Q5_1, {"Q5_1", 32, 24, true}},
    Entry{DType::Q8_0, {"Q8_0", 32, 34, true}},
    Entry{DType::Q8_1, {"Q8_1", 32, 36, false}},
    Entry{DType::Q2_K, {"Q2_K", 256, 84, true}},
    Entry{DType::Q3_K, {"Q3_K", 256, 110, true}},
    Entry{DType::Q4_K, {"Q4_K", 256, 144, true}},
    Entry{DType::Q5_K, {"Q5_K", 256, 176, true}},
    Entry{DType::Q6_K, {"Q6_K", 256, 210, true}},
    Entry{DType::Q8_K, {"Q8_K", 256, 292, false}},
    Entry{DType::IQ2_XXS, {"IQ2_XXS", 256, 66, false}},
    Entry{DType::IQ2_XS, {"IQ2_XS", 256, 74, false}},
    Entry{DType::IQ3_XXS, {"IQ3_XXS", 256, 98, false}},
    Entry{DType::IQ1_S, {"IQ1_S", 256, 50, false}},
    Entry{DType::IQ4_NL, {"IQ4_NL", 32, 18, true}},
    Entry{DType::IQ3_S, {"IQ3_S", 256, 110, false}},
    Entry{DType::IQ2_S, {"IQ2_S", 256, 82, false}},
    Entry{DType::IQ4_XS, {"IQ4_XS", 256, 136, true}},
    Entry{DType::I8, {"I8", 1, 1, false}},
    Entry{DType::I16, {"I16", 1, 2, false}},
    Entry{DType::I32, {"I32", 1, 4, false}},
    Entry{DType::I64, {"I64", 1, 8, false}},
    Entry{DType::F64, {"F64", 1, 8, false}},
    Entry{DType::IQ1_M, {"IQ1_M", 256, 56, false}},
    Entry{DType::TQ1_0, {"TQ1_0", 256, 54, false}},
    Entry{DType::TQ2_0, {"TQ2_0", 256, 66, false}},
    Entry{DType::MXFP4, {"MXFP4", 32, 17, true}},
};

}  // namespace

std::optional<DTypeTraits> dtype_traits(uint32_t type_id) {
  for (const auto& e : kTable)
    if (static_cast<uint32_t>(e.type) == type_id) return e.traits;
  return std::nullopt;
}

const DTypeTraits& traits(DType t) {
  for (const auto& e : kTable)
    if (e.type == t) return e.traits;
  static const DTypeTraits kUnknown{"unknown", 1, 0, false};
  return kUnknown;
}

std::string_view dtype_name(DType t) { return traits(t).name; }

std::optional<DType> dtype_from_name(std::string_view name) {
  std::string upper(name);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const auto& e : kTable)
    if (e.traits.name == upper) return e.type;
  return std::nullopt;
}

std::optional<uint64_t> row_bytes(DType t, uint64_t n) {
  const auto& tr = traits(t);
  if (tr.block_bytes == 0 || n % tr.block_elems != 0) return std::nullopt;
  return n / tr.block_elems * tr.block_bytes;
}

}  // namespace hearth

// model/synth: the named shapes and weight schemes `hearth synth` offers.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>

#include "model/synth.h"

namespace hearth::synth {
namespace {

SynthShape tiny_shape(std::string_view arch) {
  SynthShape s;  // the struct's defaults are the tiny shape
  s.arch = std::string(arch);
  if (arch == "qwen2" || arch == "qwen3" || arch == "qwen3moe" || arch == "gemma3")
    s.rope_theta = 1e6f;
  if (arch == "qwen2" || arch == "gemma3") s.tied_output = true;
  if (arch == "qwen3moe") s.n_expert = 8, s.n_expert_used = 2, s.n_ff_expert = 256;
  if (arch == "bert") s.n_head_kv = s.n_head, s.n_ctx = 512;
  return s;
}

struct NamedScheme {
  std::string_view name;
  DType type;
  bool q4_k_m;
  uint32_t file_type;  // llama.cpp's LLAMA_FTYPE_* id, so tools that show it agree
};
// clang-format off
constexpr NamedScheme kSchemes[] = {
    {"F32", DType::F32, false, 0},      {"F16", DType::F16, false, 1},
    {"BF16", DType::BF16, false, 32},   {"Q8_0", DType::Q8_0, false, 7},
    {"Q4_0", DType::Q4_0, false, 2},    {"Q4_1", DType::Q4_1, false, 3},
    {"Q5_0", DType::Q5_0, false, 8},    {"Q5_1", DType::Q5_1, false, 9},
    {"Q2_K", DType::Q2_K, false, 10},
    {"Q3_K", DType::Q3_K, false, 11},   // Q3_K_S: Q3_K throughout
    {"Q4_K", DType::Q4_K, false, 14},   // Q4_K_S
    {"Q5_K", DType::Q5_K, false, 16},   // Q5_K_S
    {"Q6_K", DType::Q6_K, false, 18},   {"Q4_K_M", DType::Q4_K, true, 15},
    {"IQ4_NL", DType::IQ4_NL, false, 25}, {"IQ4_XS", DType::IQ4_XS, false, 30},
};
// clang-format on

}  // namespace

std::vector<std::string_view> shape_names() {
  return {"tiny", "llama-3.2-1b", "qwen3-30b-a3b-cut"};
}

std::vector<std::string_view> synth_architectures() {
  return {"llama", "qwen2", "qwen3", "qwen3moe", "gemma3", "bert"};
}

Result<SynthShape> named_shape(std::string_view name, std::string_view arch) {
  const auto archs = synth_architectures();
  if (!arch.empty() && std::find(archs.begin(), archs.end(), arch) == archs.end())
    return Status::errorf("synth cannot write architecture '{}' (it writes: {})", arch,
                          fmt::join(archs, ", "));
  const auto implied = [&](std::string_view own) -> Status {
    if (arch.empty() || arch == own) return Status::ok();
    return Status::errorf("shape '{}' is a {} model, but --arch {} was given", name, own, arch);
  };
  if (name == "tiny") {
    if (arch.empty())
      return Status::errorf("shape 'tiny' needs --arch (one of: {})", fmt::join(archs, ", "));
    return tiny_shape(arch);
  }
  if (name == "llama-3.2-1b") {
    HEARTH_RETURN_IF_ERROR(implied("llama"));
    SynthShape s = tiny_shape("llama");
    s.n_embd = 2048, s.n_layer = 16, s.n_head = 32, s.n_head_kv = 8, s.head_dim = 64;
    s.n_ff = 8192, s.n_vocab = 128256, s.n_ctx = 131072, s.rope_theta = 500000.0f;
    s.tied_output = true;
    return s;
  }
  if (name == "qwen3-30b-a3b-cut") {
    HEARTH_RETURN_IF_ERROR(implied("qwen3moe"));
    SynthShape s = tiny_shape("qwen3moe");
    s.n_embd = 2048, s.n_layer = 12, s.n_head = 32, s.n_head_kv = 4, s.head_dim = 128;
    s.n_ff = 6144, s.n_expert = 128, s.n_expert_used = 8, s.n_ff_expert = 768;
    s.n_vocab = 151936, s.n_ctx = 40960;
    return s;
  }
  return Status::errorf("unknown shape '{}' (shapes: {})", name, fmt::join(shape_names(), ", "));
}

Result<WeightScheme> parse_weight_scheme(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const auto& s : kSchemes)
    if (s.name == upper) return WeightScheme{std::string(s.name), s.type, s.q4_k_m, s.file_type};
  return Status::errorf("unknown --type '{}' (types: {})", name,
                        fmt::join(weight_scheme_names(), ", "));
}

std::vector<std::string_view> weight_scheme_names() {
  std::vector<std::string_view> names;
  for (const auto& s : kSchemes) names.push_back(s.name);
  return names;
}

}  // namespace hearth::synth

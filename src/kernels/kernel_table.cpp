// kernels: building the kernel tables and choosing one (cpuid, set_isa, HEARTH_ISA).
#include "kernels/kernel_table.h"

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>

#include "base/cpu_features.h"
#include "base/log.h"

#ifdef HEARTH_X86_KERNELS
#include "kernels/x86_avx2/avx2_attention.h"
#include "kernels/x86_avx2/avx2_kernels.h"
#endif

namespace hearth::kernels {
namespace {

// The exact f32 path: no entries, so kernels::matmul dequantises and uses f32 dot products.
const KernelTable& ref_table() {
  static const KernelTable table;
  return table;
}

#ifdef HEARTH_X86_KERNELS
KernelTable make_avx2_table() {
  KernelTable t;
  t.name = "avx2";
  t.quantize_q8_0 = avx2::quantize_row_q8_0;
  t.quantize_q8_k = avx2::quantize_row_q8_k;
  struct Entry {
    DType type;
    const TypeKernels& kernels;
  };
  const Entry entries[] = {
      {DType::F32, avx2::kF32},     {DType::F16, avx2::kF16},       {DType::BF16, avx2::kBF16},
      {DType::Q4_0, avx2::kQ4_0},   {DType::Q4_1, avx2::kQ4_1},     {DType::Q5_0, avx2::kQ5_0},
      {DType::Q5_1, avx2::kQ5_1},   {DType::Q8_0, avx2::kQ8_0},     {DType::IQ4_NL, avx2::kIQ4_NL},
      {DType::MXFP4, avx2::kMXFP4}, {DType::Q2_K, avx2::kQ2_K},     {DType::Q3_K, avx2::kQ3_K},
      {DType::Q4_K, avx2::kQ4_K},   {DType::Q5_K, avx2::kQ5_K},     {DType::Q6_K, avx2::kQ6_K},
      {DType::IQ4_XS, avx2::kIQ4_XS},
  };
  for (const auto& e : entries) t.types[static_cast<uint32_t>(e.type)] = e.kernels;
  const Entry interleaved[] = {
      {DType::Q4_0, avx2::kQ4_0_x8},
      {DType::Q8_0, avx2::kQ8_0_x8},
      {DType::Q4_K, avx2::kQ4_K_x8},
      {DType::Q6_K, avx2::kQ6_K_x8},
  };
  for (const auto& e : interleaved) t.interleaved[static_cast<uint32_t>(e.type)] = e.kernels;
  t.attention = {avx2::attn_load_keys, avx2::attn_load_values, avx2::attn_scores,
                 avx2::attn_accumulate_f16, avx2::attn_accumulate_f32};
  return t;
}

const KernelTable* avx2_table() {
  if (!cpu_features().has_avx2_kernels()) return nullptr;
  static const KernelTable table = make_avx2_table();
  return &table;
}
#else
const KernelTable* avx2_table() { return nullptr; }
#endif

// Not written yet: AVX-512 machines run the AVX2 table.
const KernelTable* avx512_table() { return nullptr; }

constexpr bool kAvx2Built =
#ifdef HEARTH_X86_KERNELS
    true;
#else
    false;
#endif

std::atomic<const KernelTable*> g_active{nullptr};
std::once_flag g_env_once;

Status lookup(std::string_view name, const KernelTable** out) {
  const CpuFeatures& cpu = cpu_features();
  if (name == "ref") {
    *out = &ref_table();
  } else if (name == "auto") {
    const KernelTable* best = avx512_table();
    if (best == nullptr) best = avx2_table();
    *out = best != nullptr ? best : &ref_table();
  } else if (name == "avx2") {
    if (!kAvx2Built) return Status::error("ISA 'avx2' is not built into this binary (not x86-64)");
    *out = avx2_table();
    if (*out == nullptr)
      return Status::errorf("ISA 'avx2' needs avx2, fma and f16c; this CPU has: {}", describe(cpu));
  } else if (name == "avx512") {
    if (!cpu.has_avx512_kernels())
      return Status::errorf("ISA 'avx512' needs avx512f, avx512bw, avx512vl and avx512vnni; "
                            "this CPU has: {}",
                            describe(cpu));
    *out = avx512_table();
    if (*out == nullptr)
      return Status::error("ISA 'avx512' kernels are not written yet; use 'avx2' or 'auto'");
  } else {
    return Status::errorf("unknown ISA '{}' (expected ref, avx2, avx512 or auto)", name);
  }
  return Status::ok();
}

// HEARTH_ISA picks the table on first use; the default is the best table this CPU runs
// ("auto"). Every golden passes with each table (tests/model, `hearth verify`).
void init_from_env() {
  const KernelTable* table = nullptr;
  (void)lookup("auto", &table);
  if (const char* env = std::getenv("HEARTH_ISA"); env != nullptr && *env != '\0') {
    const KernelTable* chosen = nullptr;
    const Status st = lookup(env, &chosen);
    if (st.is_ok()) {
      table = chosen;
    } else {
      HEARTH_LOG_WARN("HEARTH_ISA ignored: {}", st.message());
    }
  }
  HEARTH_LOG_DEBUG("kernels: {} (cpu: {})", table->name, describe(cpu_features()));
  g_active.store(table);
}

}  // namespace

Status set_isa(std::string_view name) {
  std::call_once(g_env_once, init_from_env);
  const KernelTable* table = nullptr;
  HEARTH_RETURN_IF_ERROR(lookup(name, &table));
  g_active.store(table);
  HEARTH_LOG_DEBUG("kernels: {} selected", table->name);
  return Status::ok();
}

std::string_view isa_name() { return active_kernels().name; }

const KernelTable& active_kernels() {
  const KernelTable* table = g_active.load(std::memory_order_acquire);
  if (table != nullptr) return *table;
  std::call_once(g_env_once, init_from_env);
  return *g_active.load();
}

const KernelTable* kernels_for_isa(std::string_view name) {
  const KernelTable* table = nullptr;
  return lookup(name, &table).is_ok() ? table : nullptr;
}

}  // namespace hearth::kernels

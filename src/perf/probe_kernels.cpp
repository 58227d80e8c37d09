// perf: the scalar probe loops (any CPU) and the run-time choice between instruction sets.
#include "perf/probe_kernels.h"

#include <cstring>

#include "base/cpu_features.h"

namespace hearth::perf {
namespace {

// Tells the compiler a value may have changed, so a loop-invariant computation on it is
// redone every round (no instruction is emitted).
template <typename T>
inline void opaque(T& v) {
#if defined(__GNUC__)
  asm volatile("" : "+r"(v));
#endif
}

uint64_t scalar_read(const uint8_t* data, size_t bytes) {
  uint64_t acc[4] = {0, 0, 0, 0};
  for (size_t off = 0; off + 32 <= bytes; off += 32) {
    for (int k = 0; k < 4; ++k) {
      uint64_t w;
      std::memcpy(&w, data + off + 8 * k, sizeof w);
      acc[k] ^= w;
    }
  }
  return acc[0] ^ acc[1] ^ acc[2] ^ acc[3];
}

double scalar_fma(int64_t iters, volatile float* sink) {
  constexpr int kChains = 8;
  float acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = 1.0f + 0.01f * static_cast<float>(c);
  float mul = 0.999f, add = 0.001f;  // fixed point 1: no overflow, no denormals
  opaque(mul);
  opaque(add);
  for (int64_t i = 0; i < iters; ++i) {
    for (int c = 0; c < kChains; ++c) acc[c] = acc[c] * mul + add;
  }
  float total = 0.0f;
  for (float a : acc) total += a;
  *sink = total;
  return 2.0 * kChains * static_cast<double>(iters);
}

double scalar_int8(int64_t iters, volatile float* sink) {
  constexpr int kChains = 8;
  int32_t acc[kChains] = {};
  uint32_t a = 0x01020304u;
  int32_t b = 3;
  for (int64_t i = 0; i < iters; ++i) {
    opaque(a);
    for (int c = 0; c < kChains; ++c) {
      acc[c] += static_cast<int32_t>(static_cast<uint8_t>(a >> (8 * (c & 3)))) * b;
    }
  }
  int32_t total = 0;
  for (int32_t v : acc) total += v;
  *sink = static_cast<float>(total);
  return 2.0 * kChains * static_cast<double>(iters);
}

}  // namespace

const ProbeKernels& scalar_probe_kernels() {
  static const ProbeKernels k{"scalar", "scalar multiply-add", scalar_read, scalar_fma, scalar_int8};
  return k;
}

const ProbeKernels* probe_kernels_for(std::string_view isa) {
  if (isa == "scalar") return &scalar_probe_kernels();
#if defined(HEARTH_X86_KERNELS)
  const CpuFeatures& f = cpu_features();
  if (isa == "avx2" && f.avx2 && f.fma) return &avx2_probe_kernels();
  if (isa == "avx512" && f.avx512f && f.avx512bw && f.avx512vnni) return &avx512_probe_kernels();
#endif
  return nullptr;
}

const ProbeKernels& best_probe_kernels() {
  for (std::string_view isa : {"avx512", "avx2"}) {
    if (const ProbeKernels* k = probe_kernels_for(isa)) return *k;
  }
  return scalar_probe_kernels();
}

}  // namespace hearth::perf

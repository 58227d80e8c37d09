// perf: the inner loops of the machine probe, one set per instruction set (scalar here,
// x86_avx2/ and x86_avx512/ compiled with their own flags), chosen by cpuid at run time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hearth::perf {

// Reads every byte of data[0, bytes) (64-byte aligned, bytes a multiple of 256) with the
// widest loads the ISA has and returns a value that depends on all of them, so the loads stay.
using ProbeReadFn = uint64_t (*)(const uint8_t* data, size_t bytes);
// Runs `iters` rounds of independent multiply-add chains (enough of them to cover the
// latency of every FMA pipe); returns the operations done (2 per multiply-add). `sink`
// receives a result so the work is not optimised away.
using ProbeComputeFn = double (*)(int64_t iters, volatile float* sink);

struct ProbeKernels {
  std::string_view isa;       // "scalar", "avx2", "avx512"
  std::string_view int8_kind; // the int8 instruction sequence timed, e.g. "avx2 maddubs+madd"
  ProbeReadFn read = nullptr;
  ProbeComputeFn fma = nullptr;   // f32 FLOPs
  ProbeComputeFn int8 = nullptr;  // int8 ops (u8 x s8 products with i32 accumulation)
};

// The widest set this CPU runs ("scalar" off x86 or without AVX2+FMA).
const ProbeKernels& best_probe_kernels();
// A set by name ("scalar", "avx2", "avx512"), or nullptr if not built or not supported here.
const ProbeKernels* probe_kernels_for(std::string_view isa);

// The scalar set; always built.
const ProbeKernels& scalar_probe_kernels();
#if defined(HEARTH_X86_KERNELS)
const ProbeKernels& avx2_probe_kernels();    // x86_avx2/probe_avx2.cpp
const ProbeKernels& avx512_probe_kernels();  // x86_avx512/probe_avx512.cpp
#endif

}  // namespace hearth::perf

// base: which instruction-set extensions this CPU (and the OS, for the wide registers) supports.
#pragma once

#include <string>

namespace hearth {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512vnni = false;
  bool avx512bf16 = false;
  bool avxvnni = false;  // the VEX-encoded (256-bit) VNNI of Alder Lake and Zen 5

  // Everything the x86_avx2 kernels need.
  bool has_avx2_kernels() const { return avx2 && fma && f16c; }
  // Everything the x86_avx512 kernels need.
  bool has_avx512_kernels() const {
    return has_avx2_kernels() && avx512f && avx512bw && avx512vl && avx512vnni;
  }
};

// Detected once (cpuid, and xgetbv for the OS's register saving); all false off x86.
const CpuFeatures& cpu_features();

// "avx2 fma f16c ..." for logs and `hearth inspect`.
std::string describe(const CpuFeatures& f);

}  // namespace hearth

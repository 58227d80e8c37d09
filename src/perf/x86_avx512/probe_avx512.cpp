// perf: the probe's AVX-512 loops (this file is compiled with the AVX-512 F/BW/VNNI flags):
// 512-bit streaming loads, 512-bit FMA chains and VNNI int8 dot products (vpdpbusd).
#include <immintrin.h>

#include "perf/probe_kernels.h"

namespace hearth::perf {
namespace {

uint64_t avx512_read(const uint8_t* data, size_t bytes) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  const uint8_t* end = data + bytes;
  for (const uint8_t* p = data; p < end; p += 256) {
    const auto* v = reinterpret_cast<const __m512i*>(p);
    a0 = _mm512_xor_si512(a0, _mm512_load_si512(v + 0));
    a1 = _mm512_xor_si512(a1, _mm512_load_si512(v + 1));
    a2 = _mm512_xor_si512(a2, _mm512_load_si512(v + 2));
    a3 = _mm512_xor_si512(a3, _mm512_load_si512(v + 3));
  }
  const __m512i x = _mm512_xor_si512(_mm512_xor_si512(a0, a1), _mm512_xor_si512(a2, a3));
  alignas(64) uint64_t lanes[8];  // (GCC 12's _mm512_reduce_* trip -Wuninitialized)
  _mm512_store_si512(lanes, x);
  uint64_t r = 0;
  for (uint64_t v : lanes) r ^= v;
  return r;
}

// 24 chains of 16 lanes: covers FMA latency on two 512-bit pipes with room to spare.
double avx512_fma(int64_t iters, volatile float* sink) {
  constexpr int kChains = 24;
  __m512 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(1.0f + 0.01f * static_cast<float>(c));
  const __m512 mul = _mm512_set1_ps(0.999f), add = _mm512_set1_ps(0.001f);  // fixed point 1
  for (int64_t i = 0; i < iters; ++i) {
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], mul, add);
  }
  __m512 total = acc[0];
  for (int c = 1; c < kChains; ++c) total = _mm512_add_ps(total, acc[c]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, total);
  *sink = lanes[0];
  return 2.0 * 16.0 * kChains * static_cast<double>(iters);
}

// vpdpbusd: 64 u8 x s8 products summed into 16 s32 lanes per instruction; 16 chains.
double avx512_int8(int64_t iters, volatile float* sink) {
  constexpr int kChains = 16;
  __m512i acc[kChains];
  for (auto& a : acc) a = _mm512_setzero_si512();
  const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
  for (int64_t i = 0; i < iters; ++i) {
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_dpbusd_epi32(acc[c], a, b);
  }
  __m512i total = acc[0];
  for (int c = 1; c < kChains; ++c) total = _mm512_add_epi32(total, acc[c]);
  alignas(64) int32_t lanes[16];
  _mm512_store_si512(lanes, total);
  *sink = static_cast<float>(lanes[0]);
  return 2.0 * 64.0 * kChains * static_cast<double>(iters);
}

}  // namespace

const ProbeKernels& avx512_probe_kernels() {
  static const ProbeKernels k{"avx512", "avx512 vnni vpdpbusd", avx512_read, avx512_fma, avx512_int8};
  return k;
}

}  // namespace hearth::perf

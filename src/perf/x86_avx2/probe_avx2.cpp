// perf: the probe's AVX2 loops (this file is compiled with -mavx2 -mfma): 256-bit streaming
// loads, 256-bit FMA chains and the int8 dot-product sequence the AVX2 kernels use.
#include <immintrin.h>

#include "perf/probe_kernels.h"

namespace hearth::perf {
namespace {

// Makes the compiler treat a register as changed, so work on it is not hoisted out of a loop.
inline void opaque(__m256i& v) { asm volatile("" : "+x"(v)); }

uint64_t avx2_read(const uint8_t* data, size_t bytes) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  const uint8_t* end = data + bytes;
  for (const uint8_t* p = data; p < end; p += 256) {
    const auto* v = reinterpret_cast<const __m256i*>(p);
    a0 = _mm256_xor_si256(a0, _mm256_load_si256(v + 0));
    a1 = _mm256_xor_si256(a1, _mm256_load_si256(v + 1));
    a2 = _mm256_xor_si256(a2, _mm256_load_si256(v + 2));
    a3 = _mm256_xor_si256(a3, _mm256_load_si256(v + 3));
    a0 = _mm256_xor_si256(a0, _mm256_load_si256(v + 4));
    a1 = _mm256_xor_si256(a1, _mm256_load_si256(v + 5));
    a2 = _mm256_xor_si256(a2, _mm256_load_si256(v + 6));
    a3 = _mm256_xor_si256(a3, _mm256_load_si256(v + 7));
  }
  const __m256i x = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
  const __m128i h = _mm_xor_si128(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1));
  return static_cast<uint64_t>(_mm_cvtsi128_si64(h)) ^ static_cast<uint64_t>(_mm_extract_epi64(h, 1));
}

// 12 chains of 8 lanes: FMA latency (4-5 cycles) times two pipes needs at least 10 in flight.
double avx2_fma(int64_t iters, volatile float* sink) {
  constexpr int kChains = 12;
  __m256 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_ps(1.0f + 0.01f * static_cast<float>(c));
  const __m256 mul = _mm256_set1_ps(0.999f), add = _mm256_set1_ps(0.001f);  // fixed point 1
  for (int64_t i = 0; i < iters; ++i) {
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], mul, add);
  }
  __m256 total = acc[0];
  for (int c = 1; c < kChains; ++c) total = _mm256_add_ps(total, acc[c]);
  *sink = _mm256_cvtss_f32(total);
  return 2.0 * 8.0 * kChains * static_cast<double>(iters);
}

// The AVX2 kernels' inner step for 32 int8 products: maddubs (u8 x s8 -> s16 pairs), madd
// with ones (-> s32), add. 8 chains from 4 x 2 operand registers keeps within 16 registers.
double avx2_int8(int64_t iters, volatile float* sink) {
  __m256i a0 = _mm256_set1_epi8(1), a1 = _mm256_set1_epi8(2), a2 = _mm256_set1_epi8(3),
          a3 = _mm256_set1_epi8(4);
  const __m256i b0 = _mm256_set1_epi8(5), b1 = _mm256_set1_epi8(-6);
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i acc[8];
  for (auto& a : acc) a = _mm256_setzero_si256();
  const auto step = [&ones](__m256i a, __m256i b) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), ones);
  };
  for (int64_t i = 0; i < iters; ++i) {
    opaque(a0);
    opaque(a1);
    opaque(a2);
    opaque(a3);
    acc[0] = _mm256_add_epi32(acc[0], step(a0, b0));
    acc[1] = _mm256_add_epi32(acc[1], step(a1, b0));
    acc[2] = _mm256_add_epi32(acc[2], step(a2, b0));
    acc[3] = _mm256_add_epi32(acc[3], step(a3, b0));
    acc[4] = _mm256_add_epi32(acc[4], step(a0, b1));
    acc[5] = _mm256_add_epi32(acc[5], step(a1, b1));
    acc[6] = _mm256_add_epi32(acc[6], step(a2, b1));
    acc[7] = _mm256_add_epi32(acc[7], step(a3, b1));
  }
  __m256i total = acc[0];
  for (int c = 1; c < 8; ++c) total = _mm256_add_epi32(total, acc[c]);
  *sink = static_cast<float>(_mm256_extract_epi32(total, 0));
  return 2.0 * 32.0 * 8.0 * static_cast<double>(iters);
}

}  // namespace

const ProbeKernels& avx2_probe_kernels() {
  static const ProbeKernels k{"avx2", "avx2 maddubs+madd", avx2_read, avx2_fma, avx2_int8};
  return k;
}

}  // namespace hearth::perf

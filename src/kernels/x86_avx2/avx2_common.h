// kernels/x86_avx2: small AVX2 helpers shared by the AVX2 kernel files.
//
// Only files compiled with -mavx2 -mfma -mf16c include this. Everything here sits in an
// anonymous namespace on purpose: an inline function with external linkage compiled in an
// AVX2 file could be the copy the linker keeps for every caller, and would then run AVX2
// instructions on a CPU without them. For the same reason the AVX2 files call no inline
// floating-point helpers from shared headers (fp16.h, <algorithm> on floats): they use the
// intrinsics below instead.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "tensor/quant_blocks.h"

namespace hearth::kernels::avx2 {
namespace {

// load_u16 / load_u32 come from tensor/quant_blocks.h.
inline uint64_t load_u64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline __m128i load128(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
inline void store256(void* p, __m256i v) { _mm256_storeu_si256(static_cast<__m256i*>(p), v); }

// Calls fn(std::integral_constant<int, C>{}) for C = 0 .. N-1: unrolled, with C usable as a
// compile-time constant (shift counts, offsets).
template <class Fn, int... Cs>
inline void unroll_impl(Fn& fn, std::integer_sequence<int, Cs...>) {
  (fn(std::integral_constant<int, Cs>{}), ...);
}
template <int N, class Fn>
inline void unroll(Fn&& fn) {
  unroll_impl(fn, std::make_integer_sequence<int, N>{});
}

// IEEE half -> f32 with F16C (exact).
inline float f16_to_f32(const uint8_t* p) { return _cvtsh_ss(load_u16(p)); }
// f32 -> nearest half (ties to even) and back: the value an f16 field would hold.
inline float round_to_f16(float f) {
  return _cvtsh_ss(static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT)));
}

// 2^(e - 128), the halved e8m0 scale of MXFP4 (see tensor/fp16.h e8m0_to_f32_half).
inline float e8m0_half(uint8_t e) {
  const uint32_t bits = e < 2 ? (0x00200000u << e) : static_cast<uint32_t>(e - 1) << 23;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline int32_t hsum_i32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

inline float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

inline float hmin(__m256 v) {
  __m128 m = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_min_ps(m, _mm_movehl_ps(m, m));
  m = _mm_min_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

// 16 bytes of packed nibbles -> 32 bytes: the low nibbles (elements 0..15), then the high
// nibbles (elements 16..31), the order of Q4_0, Q4_1, IQ4_NL, MXFP4 and IQ4_XS.
inline __m256i nibbles_lo_hi(const uint8_t* qs) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m256i both = _mm256_set_m128i(_mm_srli_epi16(x, 4), x);
  return _mm256_and_si256(both, _mm256_set1_epi8(0x0f));
}

// Bit j of `bits` -> byte j (0xff if set, 0 if not), for j < 32.
inline __m256i bits_to_bytes(uint32_t bits) {
  const __m256i spread = _mm256_shuffle_epi8(
      _mm256_set1_epi32(static_cast<int32_t>(bits)),
      _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0));
  const __m256i bit_of_byte = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ull));
  return _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit_of_byte), bit_of_byte);
}

// A 16-entry int8 table looked up by the codes (each < 16) of v, in both 128-bit lanes.
inline __m256i lookup16(const int8_t table[16], __m256i codes) {
  const __m256i t = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(table)));
  return _mm256_shuffle_epi8(t, codes);
}

// The 16 int16 products-of-pairs of signed w and signed a, |w| <= 128, |a| <= 127 (no
// saturation: 2 * 128 * 127 < 32768). abs_w = |w| (computed once per weight vector).
inline __m256i mul_pairs_signed(__m256i abs_w, __m256i w, __m256i a) {
  return _mm256_maddubs_epi16(abs_w, _mm256_sign_epi8(a, w));
}

// Sum of the products of pairs (int16 lanes) in int32 lanes.
inline __m256i sum_pairs(__m256i pairs16) {
  return _mm256_madd_epi16(pairs16, _mm256_set1_epi16(1));
}

}  // namespace
}  // namespace hearth::kernels::avx2

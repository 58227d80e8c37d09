// tensor: exact conversions between f32 and the 16-bit float formats (IEEE half, bfloat16) and
// the e8m0 power-of-two scale of MXFP4. Portable scalar code, bit-exact for every input.
#pragma once

#include <bit>
#include <cstdint>

namespace hearth {

// ---- IEEE 754 binary16 ------------------------------------------------------------------

// Widening is exact: every half value, subnormals included, is representable in f32.
// NaN payloads are kept (shifted into the top of the f32 mantissa).
// Branch-free (bit masks, no selects), so that loops over rows vectorise: this runs once
// per weight of an F16 model.
inline float fp16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t abs = h & 0x7fffu;
  const uint32_t exp = abs >> 10;
  // Normal, inf, nan: move exponent and mantissa into place and rebias 15 -> 127 (inf and
  // nan need a second +112 to reach exponent 255).
  const uint32_t is_inf_nan = static_cast<uint32_t>(exp == 0x1f);
  const uint32_t widened = (abs << 13) + (112u << 23) + is_inf_nan * (112u << 23);
  // Zero, subnormal: the f32 with bits 0.5f | mant is 0.5 + mant * 2^-24, so subtracting 0.5
  // leaves exactly mant * 2^-24 (all operands normal: no slow denormal arithmetic).
  const uint32_t sub = std::bit_cast<uint32_t>(std::bit_cast<float>(0x3f000000u | abs) - 0.5f);
  const uint32_t sub_mask = 0u - static_cast<uint32_t>(exp == 0);
  return std::bit_cast<float>(sign | (sub & sub_mask) | (widened & ~sub_mask));
}

// Round to nearest, ties to even; overflow gives inf; NaN gives a quiet NaN of the same sign.
inline uint16_t f32_to_fp16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t abs = x & 0x7fffffffu;
  if (abs > 0x7f800000u) return sign | 0x7e00u;   // nan
  if (abs >= 0x477ff000u) return sign | 0x7c00u;  // >= 65520 rounds past the largest half
  if (abs >= 0x38800000u) {                       // >= 2^-14: a normal half
    uint32_t r = abs - (112u << 23);              // rebias 127 -> 15
    r += 0xfffu + ((r >> 13) & 1u);               // ties to even; a carry bumps the exponent
    return sign | static_cast<uint16_t>(r >> 13);
  }
  // Subnormal half (units of 2^-24), or zero.
  const uint32_t e = abs >> 23;
  if (e < 102) return sign;  // below 2^-25: rounds to zero (2^-25 itself ties to even zero)
  const uint32_t m = (abs & 0x7fffffu) | 0x800000u;  // value = m * 2^(e - 150)
  const uint32_t shift = 126 - e;                    // 14..24
  uint32_t q = m >> shift;
  const uint32_t rem = m & ((1u << shift) - 1);
  const uint32_t half = 1u << (shift - 1);
  if (rem > half || (rem == half && (q & 1u))) ++q;  // may carry into the smallest normal
  return sign | static_cast<uint16_t>(q);
}

// ---- bfloat16 ---------------------------------------------------------------------------

inline float bf16_to_f32(uint16_t b) {
  return std::bit_cast<float>(static_cast<uint32_t>(b) << 16);
}

// Round to nearest, ties to even (as ggml and gguf-py do); NaN is kept and forced quiet.
inline uint16_t f32_to_bf16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

// ---- e8m0 (MXFP4 block scale) -----------------------------------------------------------

// 2^(e - 127). e = 0 is the subnormal 2^-127; e = 255 decodes to inf as in ggml (the OCP MX
// spec calls it NaN; ggml never writes it).
inline float e8m0_to_f32(uint8_t e) {
  const uint32_t bits = e == 0 ? 0x00400000u : static_cast<uint32_t>(e) << 23;
  return std::bit_cast<float>(bits);
}

// Half of e8m0_to_f32(e), exact: MXFP4 stores its E2M1 values doubled (as small integers), so
// the block scale is halved to compensate.
inline float e8m0_to_f32_half(uint8_t e) {
  const uint32_t bits = e < 2 ? (0x00200000u << e) : static_cast<uint32_t>(e - 1) << 23;
  return std::bit_cast<float>(bits);
}

}  // namespace hearth

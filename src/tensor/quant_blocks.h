// tensor: byte layouts of the quantised blocks GGUF stores (the ggml block_* structs).
//
// Every member is a byte array so that a block may sit at any address: MXFP4 blocks are 17
// bytes long, and a row may start anywhere inside a mapped file. Multi-byte fields are little
// endian; read them with load_f16 / load_u16.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

#include "tensor/fp16.h"

namespace hearth {

static_assert(std::endian::native == std::endian::little, "GGUF data is little endian");

inline constexpr int kQK32 = 32;   // elements per block of the 32-element ("legacy") types
inline constexpr int kQK_K = 256;  // elements per super-block of the k-quants and IQ4_XS

inline uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline float load_f16(const uint8_t* p) { return fp16_to_f32(load_u16(p)); }

// x = d * (q - 8), q a nibble. Elements 0..15 are the low nibbles of qs, 16..31 the high ones.
struct BlockQ4_0 {
  uint8_t d[2];
  uint8_t qs[kQK32 / 2];
};
// x = d * q + m.
struct BlockQ4_1 {
  uint8_t d[2];
  uint8_t m[2];
  uint8_t qs[kQK32 / 2];
};
// x = d * (q - 16), q = nibble | bit j of qh (u32) << 4.
struct BlockQ5_0 {
  uint8_t d[2];
  uint8_t qh[4];
  uint8_t qs[kQK32 / 2];
};
// x = d * q + m, q as in Q5_0.
struct BlockQ5_1 {
  uint8_t d[2];
  uint8_t m[2];
  uint8_t qh[4];
  uint8_t qs[kQK32 / 2];
};
// x = d * q.
struct BlockQ8_0 {
  uint8_t d[2];
  int8_t qs[kQK32];
};
// x = d * (scales[j] & 15) * q - dmin * (scales[j] >> 4) over 16 groups of 16; q is 2 bits.
struct BlockQ2_K {
  uint8_t scales[kQK_K / 16];
  uint8_t qs[kQK_K / 4];
  uint8_t d[2];
  uint8_t dmin[2];
};
// x = d * (scale - 32) * (q - (hbit ? 0 : 4)); 16 scales of 6 bits packed in 12 bytes.
struct BlockQ3_K {
  uint8_t hmask[kQK_K / 8];
  uint8_t qs[kQK_K / 4];
  uint8_t scales[12];
  uint8_t d[2];
};
// x = d * sc * q - dmin * m over 8 groups of 32; 6-bit sc and m packed in 12 bytes.
struct BlockQ4_K {
  uint8_t d[2];
  uint8_t dmin[2];
  uint8_t scales[12];
  uint8_t qs[kQK_K / 2];
};
// As Q4_K with a fifth bit per element in qh.
struct BlockQ5_K {
  uint8_t d[2];
  uint8_t dmin[2];
  uint8_t scales[12];
  uint8_t qh[kQK_K / 8];
  uint8_t qs[kQK_K / 2];
};
// x = d * scales[j] * (q - 32) over 16 groups of 16; q = 4 low bits (ql) | 2 high bits (qh).
struct BlockQ6_K {
  uint8_t ql[kQK_K / 2];
  uint8_t qh[kQK_K / 4];
  int8_t scales[kQK_K / 16];
  uint8_t d[2];
};
// x = d * kIQ4NLValues[q], nibbles ordered as Q4_0.
struct BlockIQ4_NL {
  uint8_t d[2];
  uint8_t qs[kQK32 / 2];
};
// x = d * (scale - 32) * kIQ4NLValues[q] over 8 groups of 32; 6-bit scales (4 low bits in
// scales_l, 2 high bits in the u16 scales_h).
struct BlockIQ4_XS {
  uint8_t d[2];
  uint8_t scales_h[2];
  uint8_t scales_l[kQK_K / 64];
  uint8_t qs[kQK_K / 2];
};
// x = 2^(e - 127) * E2M1(q); stored as e8m0_to_f32_half(e) * kMXFP4Values[q] (doubled values).
struct BlockMXFP4 {
  uint8_t e;
  uint8_t qs[kQK32 / 2];
};

static_assert(sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_1) == 20 && sizeof(BlockQ5_0) == 22 &&
              sizeof(BlockQ5_1) == 24 && sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ2_K) == 84 && sizeof(BlockQ3_K) == 110 && sizeof(BlockQ4_K) == 144 &&
              sizeof(BlockQ5_K) == 176 && sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockIQ4_NL) == 18 && sizeof(BlockIQ4_XS) == 136 && sizeof(BlockMXFP4) == 17);

// The non-linear 4-bit grid of IQ4_NL and IQ4_XS.
inline constexpr int8_t kIQ4NLValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                            1,    13,   25,  38,  53,  69,  89,  113};
// E2M1 values times two (0, 0.5, 1, 1.5, 2, 3, 4, 6 and their negatives).
inline constexpr int8_t kMXFP4Values[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

}  // namespace hearth

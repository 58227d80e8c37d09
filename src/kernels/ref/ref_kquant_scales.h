// kernels/ref: unpacking the packed sub-block scales of Q3_K, Q4_K and Q5_K (shared by the
// dequantisers and the quantised-activation twins; integer-only).
#pragma once

#include <cstdint>

namespace hearth::kernels::ref {

// Q3_K's 16 signed 6-bit scales: low 4 bits in bytes 0..7 (low nibbles for scales 0..7, high
// nibbles for 8..15), high 2 bits in bytes 8..11 (bit pair i / 4 of byte 8 + i % 4).
inline void unpack_q3_k_scales(const uint8_t* packed, int scales[16]) {
  for (int i = 0; i < 16; ++i) {
    const int low = i < 8 ? (packed[i] & 0x0f) : (packed[i - 8] >> 4);
    const int high = (packed[8 + i % 4] >> (2 * (i / 4))) & 3;
    scales[i] = (low | (high << 4)) - 32;
  }
}

// Q4_K / Q5_K: 8 unsigned 6-bit scales and 8 mins in 12 bytes. Pairs 0..3 sit in the low 6
// bits of bytes 0..3 (scale) and 4..7 (min); pairs 4..7 take their low 4 bits from the nibbles
// of bytes 8..11 and their top 2 bits from the spare top bits of bytes 0..7.
inline void unpack_k4_scales(const uint8_t* packed, int scales[8], int mins[8]) {
  for (int j = 0; j < 4; ++j) {
    scales[j] = packed[j] & 0x3f;
    mins[j] = packed[j + 4] & 0x3f;
    scales[j + 4] = (packed[j + 8] & 0x0f) | ((packed[j] >> 6) << 4);
    mins[j + 4] = (packed[j + 8] >> 4) | ((packed[j + 4] >> 6) << 4);
  }
}

}  // namespace hearth::kernels::ref

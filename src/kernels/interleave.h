// kernels: weights repacked at load into blocks of 8 interleaved rows.
//
// A decode step (one token per sequence) reads every weight once and does little arithmetic
// per byte, so the kernel must decode several bytes per cycle and core to keep up with
// memory. Row by row that costs a horizontal sum and a scale unpack per row and block; with
// the blocks of 8 rows interleaved, one 32-byte load holds 4 bytes of each of the 8 rows, each
// row's sum builds up in its own 32-bit lane and the 8 rows' scales sit in one vector.
//
// The layout keeps the size and the order of blocks: rows are taken 8 at a time ("a group");
// block b of a group (the 8 rows' block b) occupies 8 * block_bytes bytes at
// group * 8 * row_bytes + b * 8 * block_bytes. Within it, each field of the block (see
// kInterleavedFields in interleave.cpp) is cut into units and laid out unit by unit, row by row:
// byte k of unit u of row r is at field_offset * 8 + (u * 8 + r) * unit_bytes + k. For
// the supported types:
//   Q4_0 (18 B):  d[8] (f16), then qs in units of 4 bytes: unit u (0..3), rows 0..7.
//   Q8_0 (34 B):  d[8] (f16), then qs in units of 4 bytes: unit u (0..7), rows 0..7.
//   Q4_K (144 B): d[8], dmin[8] (f16), scales in units of 4 bytes (3 units: the 32-bit words
//                 a0, a1, a2 of the 12-byte field, 8 rows each), qs in units of 4 (32 units).
//   Q6_K (210 B): ql in units of 4 (32 units), qh in units of 4 (16 units), scales in units
//                 of 1 (16 units: scale g of rows 0..7), d[8] (f16).
// A unit of qs (4 bytes, 8 rows) is exactly one 32-byte vector.
//
// The repacked copy is anonymous memory of the same size as the tensors it replaces (the
// file's pages can then be dropped); HEARTH_REPACK=0 keeps the zero-copy mapping instead.
#pragma once

#include <cstdint>
#include <vector>

#include "tensor/dtype.h"

namespace hearth::kernels {

enum class WeightLayout : uint8_t {
  kRows,         // as in the file: row after row
  kInterleaved8  // blocks of 8 rows interleaved (above)
};

inline constexpr int64_t kInterleaveRows = 8;

// Whether type t has an interleaved layout (whatever kernels the selected table has).
bool has_interleaved_layout(DType t);

// dst = the `rows` rows (a multiple of 8) of `cols` elements at src, interleaved. Same size;
// src and dst must not overlap.
void interleave_rows(DType t, const uint8_t* src, int64_t rows, int64_t cols, uint8_t* dst);

// dst (one plain row, row_bytes(t, cols) bytes) = row r of an interleaved matrix.
void deinterleave_row(DType t, const uint8_t* matrix, int64_t r, int64_t cols, uint8_t* dst);

// Row r of a matrix in either layout, in the plain layout: in place (kRows), or copied into
// `buffer` (grown as needed; valid until its next use).
const uint8_t* plain_row(DType t, WeightLayout layout, const uint8_t* matrix, int64_t r, int64_t cols,
                         std::vector<uint8_t>& buffer);

}  // namespace hearth::kernels

// kernels: the interleaved layout's byte moves (see interleave.h).
#include "kernels/interleave.h"

#include <cstring>
#include <span>

#include "base/check.h"

namespace hearth::kernels {
namespace {

// A field of a block: its offset and size in the block, cut into units of unit_bytes.
struct Field {
  int64_t offset, bytes, unit_bytes;
};

struct BlockFields {
  DType type;
  std::span<const Field> fields;
};

constexpr Field kQ4_0Fields[] = {{0, 2, 2}, {2, 16, 4}};
constexpr Field kQ8_0Fields[] = {{0, 2, 2}, {2, 32, 4}};
constexpr Field kQ4_KFields[] = {{0, 2, 2}, {2, 2, 2}, {4, 12, 4}, {16, 128, 4}};
constexpr Field kQ6_KFields[] = {{0, 128, 4}, {128, 64, 4}, {192, 16, 1}, {208, 2, 2}};

constexpr BlockFields kInterleavedFields[] = {
    {DType::Q4_0, kQ4_0Fields},
    {DType::Q8_0, kQ8_0Fields},
    {DType::Q4_K, kQ4_KFields},
    {DType::Q6_K, kQ6_KFields},
};

const BlockFields* fields_of(DType t) {
  for (const BlockFields& f : kInterleavedFields)
    if (f.type == t) return &f;
  return nullptr;
}

struct Geometry {
  int64_t block_bytes, blocks_per_row, row_bytes;
};

Geometry geometry(DType t, int64_t cols) {
  const DTypeTraits& info = traits(t);
  const int64_t block_elems = static_cast<int64_t>(info.block_elems);
  HEARTH_CHECK(cols % block_elems == 0);
  const int64_t blocks = cols / block_elems;
  const auto block_bytes = static_cast<int64_t>(info.block_bytes);
  return {block_bytes, blocks, blocks * block_bytes};
}

// Calls move(plain_offset, interleaved_offset, n) for every unit of row r (0..7) of one block,
// offsets relative to the plain block and to the group's block.
template <class Move>
void for_each_unit(const BlockFields& f, int64_t r, const Move& move) {
  for (const Field& field : f.fields) {
    const int64_t units = field.bytes / field.unit_bytes;
    for (int64_t u = 0; u < units; ++u)
      move(field.offset + u * field.unit_bytes,
           field.offset * kInterleaveRows + (u * kInterleaveRows + r) * field.unit_bytes,
           field.unit_bytes);
  }
}

// memcpy of n (1, 2 or 4) bytes with the size known at compile time: inlined as one move.
void copy_unit(uint8_t* dst, const uint8_t* src, int64_t n) {
  switch (n) {
    case 1: *dst = *src; return;
    case 2: std::memcpy(dst, src, 2); return;
    case 4: std::memcpy(dst, src, 4); return;
    default: std::memcpy(dst, src, static_cast<size_t>(n)); return;
  }
}

}  // namespace

bool has_interleaved_layout(DType t) { return fields_of(t) != nullptr; }

void interleave_rows(DType t, const uint8_t* src, int64_t rows, int64_t cols, uint8_t* dst) {
  const BlockFields* f = fields_of(t);
  HEARTH_CHECK(f != nullptr && rows % kInterleaveRows == 0);
  const Geometry g = geometry(t, cols);
  for (int64_t g0 = 0; g0 < rows; g0 += kInterleaveRows) {
    uint8_t* group = dst + g0 * g.row_bytes;
    for (int64_t r = 0; r < kInterleaveRows; ++r) {
      const uint8_t* row = src + (g0 + r) * g.row_bytes;
      for (int64_t b = 0; b < g.blocks_per_row; ++b) {
        const uint8_t* plain = row + b * g.block_bytes;
        uint8_t* packed = group + b * kInterleaveRows * g.block_bytes;
        for_each_unit(*f, r, [&](int64_t from, int64_t to, int64_t n) { copy_unit(packed + to, plain + from, n); });
      }
    }
  }
}

const uint8_t* plain_row(DType t, WeightLayout layout, const uint8_t* matrix, int64_t r, int64_t cols,
                         std::vector<uint8_t>& buffer) {
  const Geometry g = geometry(t, cols);
  if (layout == WeightLayout::kRows) return matrix + r * g.row_bytes;
  buffer.resize(static_cast<size_t>(g.row_bytes));
  deinterleave_row(t, matrix, r, cols, buffer.data());
  return buffer.data();
}

void deinterleave_row(DType t, const uint8_t* matrix, int64_t r, int64_t cols, uint8_t* dst) {
  const BlockFields* f = fields_of(t);
  HEARTH_CHECK(f != nullptr);
  const Geometry g = geometry(t, cols);
  const uint8_t* group = matrix + (r - r % kInterleaveRows) * g.row_bytes;
  for (int64_t b = 0; b < g.blocks_per_row; ++b) {
    const uint8_t* packed = group + b * kInterleaveRows * g.block_bytes;
    uint8_t* plain = dst + b * g.block_bytes;
    for_each_unit(*f, r % kInterleaveRows, [&](int64_t from, int64_t to, int64_t n) { copy_unit(plain + from, packed + to, n); });
  }
}

}  // namespace hearth::kernels

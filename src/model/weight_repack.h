// model: repacking weights at load into the kernels' interleaved layout (kernels/interleave.h),
// where the selected kernels decode 8 rows per vector: decoding is then bound by memory, not
// by the core. The copy costs anonymous memory the size of the repacked tensors; their file
// pages are released (they stay in the page cache until memory is needed). HEARTH_REPACK=0
// keeps the zero-copy mapping (every kernel reads the file's pages).
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/weights.h"

namespace hearth {

// The anonymous memory holding the repacked tensors (unmapped on destruction).
class RepackedWeights {
 public:
  RepackedWeights() = default;
  RepackedWeights(RepackedWeights&& o) noexcept;
  RepackedWeights& operator=(RepackedWeights&& o) noexcept;
  ~RepackedWeights();

  size_t bytes() const { return bytes_; }
  int tensors() const { return tensors_; }

 private:
  friend Result<RepackedWeights> repack_weights(ModelWeights& w);
  uint8_t* data_ = nullptr;
  size_t bytes_ = 0;
  int tensors_ = 0;
};

// False when HEARTH_REPACK is "0" (or "off", "no", "false").
bool repack_enabled();

// Repacks every matrix the output head and the layers multiply by (not a lookup-only
// embedding) whose type the selected kernel table reads interleaved and whose rows (per
// expert) are a multiple of 8; each repacked Weight then points into the returned copy.
Result<RepackedWeights> repack_weights(ModelWeights& w);

}  // namespace hearth

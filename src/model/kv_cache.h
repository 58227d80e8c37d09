// model: the key/value cache of one sequence: per layer, one row of keys and one of values per
// position, stored as f16 (half the memory of f32, and the rounding llama.cpp's default cache
// applies), so evaluating tokens in several calls equals one call.
#pragma once

#include <cstdint>
#include <vector>

#include "model/model_config.h"

namespace hearth {

class KvCache {
 public:
  KvCache() = default;
  // Allocates n_layer x n_ctx rows of keys (n_embd_k) and values (n_embd_v).
  void allocate(const ModelConfig& c, int32_t n_ctx);

  int32_t n_ctx() const { return n_ctx_; }
  int32_t k_width() const { return k_width_; }
  int32_t v_width() const { return v_width_; }
  uint64_t bytes() const { return (k_.size() + v_.size()) * sizeof(uint16_t); }

  // Rows of f16 bits.
  const uint16_t* k(int32_t layer, int32_t pos) const { return k_.data() + offset(layer, pos, k_width_); }
  const uint16_t* v(int32_t layer, int32_t pos) const { return v_.data() + offset(layer, pos, v_width_); }

  // Rounds and stores n rows of keys and values (contiguous f32, k_width / v_width each) at
  // positions pos0...
  void store(int32_t layer, int32_t pos0, int32_t n, const float* keys, const float* values);

 private:
  size_t offset(int32_t layer, int32_t pos, int32_t width) const {
    return (static_cast<size_t>(layer) * n_ctx_ + pos) * width;
  }
  int32_t n_ctx_ = 0, k_width_ = 0, v_width_ = 0;
  std::vector<uint16_t> k_, v_;
};

}  // namespace hearth

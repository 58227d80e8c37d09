// model: the per-sequence key/value cache.
#include "model/kv_cache.h"

#include "tensor/fp16.h"

namespace hearth {

void KvCache::allocate(const ModelConfig& c, int32_t n_ctx) {
  n_ctx_ = n_ctx;
  k_width_ = c.n_embd_k();
  v_width_ = c.n_embd_v();
  k_.assign(static_cast<size_t>(c.n_layer) * n_ctx * k_width_, 0);
  v_.assign(static_cast<size_t>(c.n_layer) * n_ctx * v_width_, 0);
}

void KvCache::store(int32_t layer, int32_t pos0, int32_t n, const float* keys,
                    const float* values) {
  uint16_t* k = k_.data() + offset(layer, pos0, k_width_);
  for (size_t i = 0; i < static_cast<size_t>(n) * k_width_; ++i) k[i] = f32_to_fp16(keys[i]);
  uint16_t* v = v_.data() + offset(layer, pos0, v_width_);
  for (size_t i = 0; i < static_cast<size_t>(n) * v_width_; ++i) v[i] = f32_to_fp16(values[i]);
}

}  // namespace hearth

// kernels/x86_avx2: attention over one tile of keys with F16C conversions and FMA.
//
// Keys are stored transposed (one row of kAttentionKeyTile floats per element d) so that the
// scores are a small matrix product: a block of query rows times 16 keys, accumulated over d
// in order. The row-wise accumulator rounds to f16 after every step exactly as the scalar
// version does (an FMA per element, then a round to nearest even), so only the order inside
// the dot products differs from it.
#include "kernels/x86_avx2/avx2_attention.h"

#include "kernels/kernel_table.h"
#include "kernels/x86_avx2/avx2_common.h"

namespace hearth::kernels::avx2 {
namespace {

constexpr int64_t kTile = kAttentionKeyTile;
static_assert(kTile % 16 == 0, "the score kernel covers the tile in blocks of 16 keys");

inline __m256 load_halves(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline __m256 round_halves(__m256 x) {
  return _mm256_cvtph_ps(_mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT));
}
inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }
inline float fma_scalar(float a, float b, float c) {
  return _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c)));
}

// r[i] holds row i of an 8x8 block on entry and column i on return.
inline void transpose8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 2; ++i) {
    u[4 * i + 0] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
    r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
  }
}

// MR query rows x 16 keys starting at key j0: s[r][j0..j0+16) = scale * sum_d q[r][d] kt[d][j].
template <int MR>
void scores_block(const float* q, int64_t dim, const float* kt, int64_t j0, float scale,
                  float* s) {
  __m256 acc[MR][2];
  for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (int64_t d = 0; d < dim; ++d) {
    const float* k = kt + d * kTile + j0;
    const __m256 k0 = _mm256_loadu_ps(k), k1 = _mm256_loadu_ps(k + 8);
    for (int r = 0; r < MR; ++r) {
      const __m256 qd = _mm256_broadcast_ss(q + r * dim + d);
      acc[r][0] = _mm256_fmadd_ps(qd, k0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(qd, k1, acc[r][1]);
    }
  }
  const __m256 vs = _mm256_set1_ps(scale);
  for (int r = 0; r < MR; ++r) {
    _mm256_storeu_ps(s + r * kTile + j0, _mm256_mul_ps(acc[r][0], vs));
    _mm256_storeu_ps(s + r * kTile + j0 + 8, _mm256_mul_ps(acc[r][1], vs));
  }
}

template <int MR>
void scores_rows(const float* q, int64_t dim, const float* kt, float scale, float* s) {
  for (int64_t j0 = 0; j0 < kTile; j0 += 16) scores_block<MR>(q, dim, kt, j0, scale, s);
}

// NV vectors of the accumulator (8 floats each) stay in registers over all n keys.
template <int NV>
void accumulate_f16_block(float* acc, const float* v, int64_t dim, const float* w,
                          const float* rescale, int64_t n) {
  __m256 a[NV];
  for (int k = 0; k < NV; ++k) a[k] = _mm256_loadu_ps(acc + 8 * k);
  for (int64_t j = 0; j < n; ++j) {
    if (rescale[j] != 1.0f) {
      const __m256 rs = _mm256_set1_ps(rescale[j]);
      for (int k = 0; k < NV; ++k) a[k] = round_halves(_mm256_mul_ps(a[k], rs));
    }
    const __m256 wj = _mm256_set1_ps(w[j]);
    const float* vj = v + j * dim;
    for (int k = 0; k < NV; ++k) {
      a[k] = round_halves(_mm256_fmadd_ps(_mm256_loadu_ps(vj + 8 * k), wj, a[k]));
    }
  }
  for (int k = 0; k < NV; ++k) _mm256_storeu_ps(acc + 8 * k, a[k]);
}

template <int NV>
void accumulate_f32_block(float* acc, const float* v, int64_t dim, const float* w, int64_t n) {
  __m256 a[NV];
  for (int k = 0; k < NV; ++k) a[k] = _mm256_loadu_ps(acc + 8 * k);
  for (int64_t j = 0; j < n; ++j) {
    const __m256 wj = _mm256_set1_ps(w[j]);
    const float* vj = v + j * dim;
    for (int k = 0; k < NV; ++k) a[k] = _mm256_fmadd_ps(_mm256_loadu_ps(vj + 8 * k), wj, a[k]);
  }
  for (int k = 0; k < NV; ++k) _mm256_storeu_ps(acc + 8 * k, a[k]);
}

// Calls block.template operator()<NV>(offset) over `dim` in blocks of up to 8 vectors, and
// returns where the whole vectors end (the caller finishes the remaining elements).
template <class Block>
int64_t for_vector_blocks(int64_t dim, const Block& block) {
  int64_t d = 0;
  for (; d + 64 <= dim; d += 64) block.template operator()<8>(d);
  switch ((dim - d) / 8) {
    case 7: block.template operator()<7>(d); break;
    case 6: block.template operator()<6>(d); break;
    case 5: block.template operator()<5>(d); break;
    case 4: block.template operator()<4>(d); break;
    case 3: block.template operator()<3>(d); break;
    case 2: block.template operator()<2>(d); break;
    case 1: block.template operator()<1>(d); break;
    default: break;
  }
  return dim / 8 * 8;
}

}  // namespace

void attn_load_keys(const uint16_t* const* rows, int64_t n_keys, int64_t dim, float* kt) {
  int64_t j = 0;
  for (; j + 8 <= n_keys; j += 8) {
    int64_t d = 0;
    for (; d + 8 <= dim; d += 8) {
      __m256 r[8];
      for (int i = 0; i < 8; ++i) r[i] = load_halves(rows[j + i] + d);
      transpose8(r);
      for (int i = 0; i < 8; ++i) _mm256_storeu_ps(kt + (d + i) * kTile + j, r[i]);
    }
    for (; d < dim; ++d) {
      for (int i = 0; i < 8; ++i) kt[d * kTile + j + i] = half_to_float(rows[j + i][d]);
    }
  }
  for (; j < n_keys; ++j) {
    for (int64_t d = 0; d < dim; ++d) kt[d * kTile + j] = half_to_float(rows[j][d]);
  }
  if (j < kTile) {
    for (int64_t d = 0; d < dim; ++d) {
      for (int64_t i = j; i < kTile; ++i) kt[d * kTile + i] = 0.0f;
    }
  }
}

void attn_load_values(const uint16_t* const* rows, int64_t n_keys, int64_t dim, float* v) {
  for (int64_t j = 0; j < n_keys; ++j) {
    const uint16_t* src = rows[j];
    float* dst = v + j * dim;
    int64_t d = 0;
    for (; d + 8 <= dim; d += 8) _mm256_storeu_ps(dst + d, load_halves(src + d));
    for (; d < dim; ++d) dst[d] = half_to_float(src[d]);
  }
}

void attn_scores(const float* q, int64_t n_rows, int64_t dim, const float* kt, float scale,
                 float* s) {
  int64_t r = 0;
  for (; r + 6 <= n_rows; r += 6) scores_rows<6>(q + r * dim, dim, kt, scale, s + r * kTile);
  const float* qr = q + r * dim;
  float* sr = s + r * kTile;
  switch (n_rows - r) {
    case 5: scores_rows<5>(qr, dim, kt, scale, sr); break;
    case 4: scores_rows<4>(qr, dim, kt, scale, sr); break;
    case 3: scores_rows<3>(qr, dim, kt, scale, sr); break;
    case 2: scores_rows<2>(qr, dim, kt, scale, sr); break;
    case 1: scores_rows<1>(qr, dim, kt, scale, sr); break;
    default: break;
  }
}

void attn_accumulate_f16(float* acc, const float* v, int64_t dim, const float* w,
                         const float* rescale, int64_t n) {
  const int64_t tail = for_vector_blocks(dim, [&]<int NV>(int64_t d) {
    accumulate_f16_block<NV>(acc + d, v + d, dim, w, rescale, n);
  });
  for (int64_t d = tail; d < dim; ++d) {
    float a = acc[d];
    for (int64_t j = 0; j < n; ++j) {
      if (rescale[j] != 1.0f) a = round_to_f16(a * rescale[j]);
      a = round_to_f16(fma_scalar(v[j * dim + d], w[j], a));
    }
    acc[d] = a;
  }
}

void attn_accumulate_f32(float* acc, const float* v, int64_t dim, const float* w, int64_t n) {
  const int64_t tail = for_vector_blocks(dim, [&]<int NV>(int64_t d) {
    accumulate_f32_block<NV>(acc + d, v + d, dim, w, n);
  });
  for (int64_t d = tail; d < dim; ++d) {
    float a = acc[d];
    for (int64_t j = 0; j < n; ++j) a = fma_scalar(v[j * dim + d], w[j], a);
    acc[d] = a;
  }
}

}  // namespace hearth::kernels::avx2

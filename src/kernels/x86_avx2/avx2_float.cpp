// kernels/x86_avx2: the float weight types (F32, F16 via F16C, BF16) against f32 activations,
// with f32 fused multiply-adds. The activation rows are zero-padded copies (ActFormat::kF32),
// so that whole 8-float vectors can be read past the end of a row.
#include "kernels/x86_avx2/avx2_common.h"
#include "kernels/x86_avx2/avx2_gemm.h"
#include "kernels/x86_avx2/avx2_kernels.h"

namespace hearth::kernels::avx2 {
namespace {

struct LoadF32 {
  static constexpr int64_t kElemBytes = 4;
  static __m256 load8(const uint8_t* p) { return _mm256_loadu_ps(reinterpret_cast<const float*>(p)); }
  static float load1(const uint8_t* p) {
    float f;
    std::memcpy(&f, p, sizeof f);
    return f;
  }
};

struct LoadF16 {
  static constexpr int64_t kElemBytes = 2;
  static __m256 load8(const uint8_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static float load1(const uint8_t* p) { return f16_to_f32(p); }
};

struct LoadBF16 {
  static constexpr int64_t kElemBytes = 2;
  static __m256 load8(const uint8_t* p) {
    const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
  }
  static float load1(const uint8_t* p) {
    const uint32_t bits = static_cast<uint32_t>(load_u16(p)) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }
};

// Elements [8 * b, 8 * b + 8) of a row of `cols`, zero past its end.
template <class L>
inline __m256 load_block(const uint8_t* row, int64_t cols, int64_t b) {
  const int64_t first = 8 * b;
  if (first + 8 <= cols) return L::load8(row + first * L::kElemBytes);
  alignas(32) float tail[8] = {};
  for (int64_t i = first; i < cols; ++i) tail[i - first] = L::load1(row + i * L::kElemBytes);
  return _mm256_load_ps(tail);
}

template <int RM, int RN, class Get>
inline void tile(const Get& get_w, const float* const* x, int64_t b0, int64_t nb,
                 float (&out)[RM][RN]) {
  __m256 acc[RM][RN];
  for (int r = 0; r < RM; ++r)
    for (int t = 0; t < RN; ++t) acc[r][t] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    for (int r = 0; r < RM; ++r) {
      const __m256 w = get_w(r, b);
      for (int t = 0; t < RN; ++t)
        acc[r][t] = _mm256_fmadd_ps(w, _mm256_loadu_ps(x[t] + 8 * (b0 + b)), acc[r][t]);
    }
  }
  for (int r = 0; r < RM; ++r)
    for (int t = 0; t < RN; ++t) out[r][t] = hsum(acc[r][t]);
}

template <class L>
struct FamilyFloat {
  static constexpr int64_t kBlockElems = 8;
  static constexpr int64_t kPackedBlockBytes = 32;
  static constexpr int kRM = 4, kRN = 3;
  static constexpr int64_t kKC = 1024;

  // A panel row is the row's f32 values, zero past its end.
  static void pack(const uint8_t* row, int64_t cols, int64_t b0, int64_t nb, uint8_t* dst) {
    auto* f = reinterpret_cast<float*>(dst);
    for (int64_t b = 0; b < nb; ++b) _mm256_store_ps(f + 8 * b, load_block<L>(row, cols, b0 + b));
  }

  template <int RM, int RN>
  static void packed_tile(const uint8_t* const* w, const uint8_t* const* x, int64_t /*cols*/,
                          int64_t b0, int64_t nb, float (&out)[RM][RN]) {
    const float* xf[RN];
    for (int t = 0; t < RN; ++t) xf[t] = reinterpret_cast<const float*>(x[t]);
    auto get = [w](int r, int64_t b) { return _mm256_load_ps(reinterpret_cast<const float*>(w[r]) + 8 * b); };
    tile<RM, RN>(get, xf, b0, nb, out);
  }

  template <int RM, int RN>
  static void direct_tile(const uint8_t* const* w, const uint8_t* const* x, int64_t cols,
                          int64_t b0, int64_t nb, float (&out)[RM][RN]) {
    const float* xf[RN];
    for (int t = 0; t < RN; ++t) xf[t] = reinterpret_cast<const float*>(x[t]);
    // The panel's values (zero past the row's end) with the panel's arithmetic.
    auto get = [w, cols, b0](int r, int64_t b) {
      const int64_t block = b0 + b;
      return 8 * block + 8 <= cols ? L::load8(w[r] + 8 * block * L::kElemBytes) : load_block<L>(w[r], cols, block);
    };
    tile<RM, RN>(get, xf, b0, nb, out);
  }
};

}  // namespace

const TypeKernels kF32 = type_kernels<FamilyFloat<LoadF32>>();
const TypeKernels kF16 = type_kernels<FamilyFloat<LoadF16>>();
const TypeKernels kBF16 = type_kernels<FamilyFloat<LoadBF16>>();

}  // namespace hearth::kernels::avx2

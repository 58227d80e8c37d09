// model/synth: f32 -> block quantisers for every type synth writes.
#include "model/synth_quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "tensor/fp16.h"
#include "tensor/quant_blocks.h"

namespace hearth::synth {
namespace {

// The integer nearest to v, limited to [lo, hi]. Clamps before converting (a huge or NaN v
// would be undefined as an int); rounds halves away from zero, inline rather than via lrintf.
int round_clamped(float v, int lo, int hi) {
  if (!(v > static_cast<float>(lo))) return lo;
  if (v >= static_cast<float>(hi)) return hi;
  return static_cast<int>(v + (v >= 0.0f ? 0.5f : -0.5f));
}
float inverse(float d) {
  return d != 0.0f ? 1.0f / d : 0.0f;
}

// Scales are stored as f16; quantising against the rounded value keeps the error honest.
float round_f16(float v) {
  return fp16_to_f32(f32_to_fp16(v));
}
void store_f16(uint8_t* p, float v) {
  const uint16_t h = f32_to_fp16(v);
  std::memcpy(p, &h, sizeof h);
}

// The element of largest magnitude, sign kept: dividing by it maps that element onto the most
// negative grid value, which the signed grids (-8..7, -16..15, -127..113) reach exactly.
float signed_absmax(const float* x, int n) {
  float best = 0.0f;
  for (int i = 0; i < n; ++i)
    if (std::fabs(x[i]) > std::fabs(best)) best = x[i];
  return best;
}

int iq4_index(float v) {  // nearest entry of the non-linear IQ4 grid (sorted ascending)
  int i = 0;              // the last entry <= v, or 0
  while (i < 15 && kIQ4NLValues[i + 1] <= v) ++i;
  if (i < 15 && kIQ4NLValues[i + 1] - v < v - kIQ4NLValues[i]) ++i;
  return i;
}

// ---- 32-element types --------------------------------------------------------------------

void quantize_q4_0(const float* x, BlockQ4_0* b) {
  const float d = round_f16(signed_absmax(x, kQK32) / -8.0f), id = inverse(d);
  store_f16(b->d, d);
  for (int j = 0; j < kQK32 / 2; ++j) {
    const int q0 = round_clamped(x[j] * id, -8, 7) + 8;
    const int q1 = round_clamped(x[j + 16] * id, -8, 7) + 8;
    b->qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
  }
}

void quantize_q4_1(const float* x, BlockQ4_1* b) {
  const float mn = *std::min_element(x, x + kQK32), mx = *std::max_element(x, x + kQK32);
  const float d = round_f16((mx - mn) / 15.0f), m = round_f16(mn), id = inverse(d);
  store_f16(b->d, d);
  store_f16(b->m, m);
  for (int j = 0; j < kQK32 / 2; ++j) {
    const int q0 = round_clamped((x[j] - m) * id, 0, 15);
    const int q1 = round_clamped((x[j + 16] - m) * id, 0, 15);
    b->qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
  }
}

// Q5_0/Q5_1 share the layout of their 5-bit values: 4 low bits as Q4_0, the fifth in qh.
void pack_q5(const int* q, uint8_t* qh, uint8_t* qs) {
  uint32_t high = 0;
  for (int j = 0; j < kQK32 / 2; ++j) {
    qs[j] = static_cast<uint8_t>((q[j] & 15) | ((q[j + 16] & 15) << 4));
    high |= static_cast<uint32_t>(q[j] >> 4) << j;
    high |= static_cast<uint32_t>(q[j + 16] >> 4) << (j + 16);
  }
  std::memcpy(qh, &high, sizeof high);
}

void quantize_q5_0(const float* x, BlockQ5_0* b) {
  const float d = round_f16(signed_absmax(x, kQK32) / -16.0f), id = inverse(d);
  store_f16(b->d, d);
  int q[kQK32];
  for (int j = 0; j < kQK32; ++j) q[j] = round_clamped(x[j] * id, -16, 15) + 16;
  pack_q5(q, b->qh, b->qs);
}

void quantize_q5_1(const float* x, BlockQ5_1* b) {
  const float mn = *std::min_element(x, x + kQK32), mx = *std::max_element(x, x + kQK32);
  const float d = round_f16((mx - mn) / 31.0f), m = round_f16(mn), id = inverse(d);
  store_f16(b->d, d);
  store_f16(b->m, m);
  int q[kQK32];
  for (int j = 0; j < kQK32; ++j) q[j] = round_clamped((x[j] - m) * id, 0, 31);
  pack_q5(q, b->qh, b->qs);
}

void quantize_q8_0(const float* x, BlockQ8_0* b) {
  float amax = 0.0f;
  for (int j = 0; j < kQK32; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = round_f16(amax / 127.0f), id = inverse(d);
  store_f16(b->d, d);
  for (int j = 0; j < kQK32; ++j)
    b->qs[j] = static_cast<int8_t>(round_clamped(x[j] * id, -127, 127));
}

void quantize_iq4_nl(const float* x, BlockIQ4_NL* b) {
  const float d = round_f16(signed_absmax(x, kQK32) / kIQ4NLValues[0]), id = inverse(d);
  store_f16(b->d, d);
  for (int j = 0; j < kQK32 / 2; ++j)
    b->qs[j] = static_cast<uint8_t>(iq4_index(x[j] * id) | (iq4_index(x[j + 16] * id) << 4));
}

// ---- super-block helpers -------------------------------------------------------------------

// x = d * sc[i] * q - dmin * m[i] over n_sub sub-blocks of `sub` elements; q in [0, qmax],
// sc and m in [0, smax]. Each sub-block's range [min(0, lo), hi] sets its scale and min.
struct AsymmetricBlock {
  float d = 0, dmin = 0;
  int sc[16] = {}, m[16] = {};
  int q[kQK_K] = {};
};

void quantize_asymmetric(const float* x, int n_sub, int sub, int qmax, int smax,
                         AsymmetricBlock& out) {
  float scale[16], minv[16], max_scale = 0.0f, max_min = 0.0f;
  for (int i = 0; i < n_sub; ++i) {
    const float* xs = x + i * sub;
    const float lo = std::min(0.0f, *std::min_element(xs, xs + sub));
    const float hi = *std::max_element(xs, xs + sub);
    scale[i] = std::max(0.0f, hi - lo) / static_cast<float>(qmax);
    minv[i] = -lo;
    max_scale = std::max(max_scale, scale[i]);
    max_min = std::max(max_min, minv[i]);
  }
  out.d = round_f16(max_scale / static_cast<float>(smax));
  out.dmin = round_f16(max_min / static_cast<float>(smax));
  for (int i = 0; i < n_sub; ++i) {
    out.sc[i] = round_clamped(scale[i] * inverse(out.d), 0, smax);
    out.m[i] = round_clamped(minv[i] * inverse(out.dmin), 0, smax);
    const float offset = out.dmin * static_cast<float>(out.m[i]);
    const float inv_step = inverse(out.d * static_cast<float>(out.sc[i]));
    for (int j = i * sub; j < (i + 1) * sub; ++j)
      out.q[j] = round_clamped((x[j] + offset) * inv_step, 0, qmax);
  }
}

// x = d * sc[i] * q over 16 sub-blocks of 16; q in [qlow, -qlow - 1], sc in [-smax, smax].
struct SymmetricBlock {
  float d = 0;
  int sc[16] = {};
  int q[kQK_K] = {};
};

void quantize_symmetric(const float* x, int qlow, int smax, SymmetricBlock& out) {
  constexpr int kSub = 16;
  float scale[kSub], max_scale = 0.0f;
  for (int i = 0; i < kSub; ++i) {
    scale[i] = signed_absmax(x + i * kSub, kSub) / static_cast<float>(qlow);
    max_scale = std::max(max_scale, std::fabs(scale[i]));
  }
  out.d = round_f16(max_scale / static_cast<float>(smax));
  for (int i = 0; i < kSub; ++i) {
    out.sc[i] = round_clamped(scale[i] * inverse(out.d), -smax, smax);
    const float inv_step = inverse(out.d * static_cast<float>(out.sc[i]));
    for (int j = i * kSub; j < (i + 1) * kSub; ++j)
      out.q[j] = round_clamped(x[j] * inv_step, qlow, -qlow - 1);
  }
}

// Q4_K/Q5_K: 8 six-bit scales and mins in 12 bytes. Bytes 0-3 hold scales 0-3, bytes 4-7 mins
// 0-3 (each with the top two bits of scale/min 4-7 above them), bytes 8-11 the low nibbles of
// scale and min 4-7.
void pack_k4_scales(const int* sc, const int* m, uint8_t* scales) {
  for (int j = 0; j < 4; ++j) {
    scales[j] = static_cast<uint8_t>((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
    scales[j + 4] = static_cast<uint8_t>((m[j] & 63) | ((m[j + 4] >> 4) << 6));
    scales[j + 8] = static_cast<uint8_t>((sc[j + 4] & 15) | ((m[j + 4] & 15) << 4));
  }
}

// ---- k-quants ------------------------------------------------------------------------------

// Element e = 128 n + 32 j + l keeps its 2 bits at qs[32 n + l] >> 2 j (Q2_K and Q3_K).
void pack_2bit(const int* q, uint8_t* qs) {
  for (int e = 0; e < kQK_K; ++e)
    qs[(e / 128) * 32 + e % 32] |= static_cast<uint8_t>((q[e] & 3) << (2 * ((e % 128) / 32)));
}

void quantize_q2_k(const float* x, BlockQ2_K* b) {
  AsymmetricBlock a;
  quantize_asymmetric(x, 16, 16, 3, 15, a);
  store_f16(b->d, a.d);
  store_f16(b->dmin, a.dmin);
  for (int i = 0; i < 16; ++i) b->scales[i] = static_cast<uint8_t>(a.sc[i] | (a.m[i] << 4));
  pack_2bit(a.q, b->qs);
}

void quantize_q3_k(const float* x, BlockQ3_K* b) {
  SymmetricBlock s;
  quantize_symmetric(x, -4, 31, s);
  store_f16(b->d, s.d);
  // Scales are stored +32 in 6 bits: low nibbles in bytes 0-7 (scales 8-15 in the high
  // nibble), the top two bits in bytes 8-11 (scale i at bit 2 * (i / 4) of byte 8 + i % 4).
  for (int i = 0; i < 16; ++i) {
    const int v = s.sc[i] + 32;
    b->scales[i % 8] |= static_cast<uint8_t>((v & 15) << (4 * (i / 8)));
    b->scales[8 + i % 4] |= static_cast<uint8_t>((v >> 4) << (2 * (i / 4)));
  }
  int q[kQK_K];
  for (int e = 0; e < kQK_K; ++e) {
    q[e] = s.q[e] + 4;  // 3 bits; the high one goes to hmask[l], bit 4 n + j
    if (q[e] & 4) b->hmask[e % 32] |= static_cast<uint8_t>(1u << (e / 32));
  }
  pack_2bit(q, b->qs);
}

// Element e = 64 c + r keeps its low nibble at qs[32 c + r % 32], in the high half when r >= 32.
void pack_4bit_k(const int* q, uint8_t* qs) {
  for (int e = 0; e < kQK_K; ++e)
    qs[(e / 64) * 32 + e % 32] |= static_cast<uint8_t>((q[e] & 15) << ((e % 64) >= 32 ? 4 : 0));
}

void quantize_q4_k(const float* x, BlockQ4_K* b) {
  AsymmetricBlock a;
  quantize_asymmetric(x, 8, 32, 15, 63, a);
  store_f16(b->d, a.d);
  store_f16(b->dmin, a.dmin);
  pack_k4_scales(a.sc, a.m, b->scales);
  pack_4bit_k(a.q, b->qs);
}

void quantize_q5_k(const float* x, BlockQ5_K* b) {
  AsymmetricBlock a;
  quantize_asymmetric(x, 8, 32, 31, 63, a);
  store_f16(b->d, a.d);
  store_f16(b->dmin, a.dmin);
  pack_k4_scales(a.sc, a.m, b->scales);
  pack_4bit_k(a.q, b->qs);
  for (int e = 0; e < kQK_K; ++e)  // fifth bit: qh[e % 32], bit 2 c + (r >= 32)
    b->qh[e % 32] |= static_cast<uint8_t>((a.q[e] >> 4) << (e / 32));
}

void quantize_q6_k(const float* x, BlockQ6_K* b) {
  SymmetricBlock s;
  quantize_symmetric(x, -32, 127, s);
  store_f16(b->d, s.d);
  for (int i = 0; i < 16; ++i) b->scales[i] = static_cast<int8_t>(s.sc[i]);
  // Element e = 128 n + 32 k + l: low nibble in ql[64 n + 32 (k & 1) + l] (high half for
  // k >= 2), top two bits in qh[32 n + l] at bit 2 k.
  for (int e = 0; e < kQK_K; ++e) {
    const int q = s.q[e] + 32, n = e / 128, k = (e % 128) / 32, l = e % 32;
    b->ql[64 * n + 32 * (k & 1) + l] |= static_cast<uint8_t>((q & 15) << (k >= 2 ? 4 : 0));
    b->qh[32 * n + l] |= static_cast<uint8_t>((q >> 4) << (2 * k));
  }
}

void quantize_iq4_xs(const float* x, BlockIQ4_XS* b) {
  float scale[8], max_scale = 0.0f;
  for (int ib = 0; ib < 8; ++ib) {
    scale[ib] = signed_absmax(x + 32 * ib, 32) / kIQ4NLValues[0];
    max_scale = std::max(max_scale, std::fabs(scale[ib]));
  }
  const float d = round_f16(max_scale / 31.0f);
  store_f16(b->d, d);
  uint16_t scales_h = 0;
  for (int ib = 0; ib < 8; ++ib) {
    const int ls = round_clamped(scale[ib] * inverse(d), -31, 31) + 32;
    b->scales_l[ib / 2] |= static_cast<uint8_t>((ls & 15) << (4 * (ib % 2)));
    scales_h |= static_cast<uint16_t>((ls >> 4) << (2 * ib));
    const float id = inverse(d * static_cast<float>(ls - 32));
    for (int j = 0; j < 16; ++j) {
      const float* xs = x + 32 * ib;
      b->qs[16 * ib + j] =
          static_cast<uint8_t>(iq4_index(xs[j] * id) | (iq4_index(xs[j + 16] * id) << 4));
    }
  }
  std::memcpy(b->scales_h, &scales_h, sizeof scales_h);
}

template <typename Block, int kElems>
void quantize_blocks(void (*quantize)(const float*, Block*), const float* src, void* dst,
                     int64_t n) {
  auto* blocks = static_cast<Block*>(dst);
  for (int64_t i = 0; i < n / kElems; ++i) {
    std::memset(&blocks[i], 0, sizeof(Block));  // the packers OR bits into place
    quantize(src + i * kElems, &blocks[i]);
  }
}

}  // namespace

bool can_quantize(DType t) {
  switch (t) {
    case DType::F32:
    case DType::F16:
    case DType::BF16:
    case DType::Q4_0:
    case DType::Q4_1:
    case DType::Q5_0:
    case DType::Q5_1:
    case DType::Q8_0:
    case DType::Q2_K:
    case DType::Q3_K:
    case DType::Q4_K:
    case DType::Q5_K:
    case DType::Q6_K:
    case DType::IQ4_NL:
    case DType::IQ4_XS:
      return true;
    default:
      return false;
  }
}

Status quantize_row(DType t, const float* src, void* dst, int64_t n) {
  if (!can_quantize(t))
    return Status::errorf("synth cannot write tensors of type {}", dtype_name(t));
  if (n < 0 || !row_bytes(t, static_cast<uint64_t>(n)))
    return Status::errorf("a row of {} elements is not a whole number of {} blocks ({} each)", n,
                          dtype_name(t), traits(t).block_elems);
  auto* out = static_cast<uint8_t*>(dst);
  switch (t) {
    case DType::F32:
      std::memcpy(out, src, static_cast<size_t>(n) * sizeof(float));
      break;
    case DType::F16:
      for (int64_t i = 0; i < n; ++i) store_f16(out + 2 * i, src[i]);
      break;
    case DType::BF16:
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = f32_to_bf16(src[i]);
        std::memcpy(out + 2 * i, &h, sizeof h);
      }
      break;
    case DType::Q4_0:
      quantize_blocks<BlockQ4_0, kQK32>(quantize_q4_0, src, dst, n);
      break;
    case DType::Q4_1:
      quantize_blocks<BlockQ4_1, kQK32>(quantize_q4_1, src, dst, n);
      break;
    case DType::Q5_0:
      quantize_blocks<BlockQ5_0, kQK32>(quantize_q5_0, src, dst, n);
      break;
    case DType::Q5_1:
      quantize_blocks<BlockQ5_1, kQK32>(quantize_q5_1, src, dst, n);
      break;
    case DType::Q8_0:
      quantize_blocks<BlockQ8_0, kQK32>(quantize_q8_0, src, dst, n);
      break;
    case DType::IQ4_NL:
      quantize_blocks<BlockIQ4_NL, kQK32>(quantize_iq4_nl, src, dst, n);
      break;
    case DType::Q2_K:
      quantize_blocks<BlockQ2_K, kQK_K>(quantize_q2_k, src, dst, n);
      break;
    case DType::Q3_K:
      quantize_blocks<BlockQ3_K, kQK_K>(quantize_q3_k, src, dst, n);
      break;
    case DType::Q4_K:
      quantize_blocks<BlockQ4_K, kQK_K>(quantize_q4_k, src, dst, n);
      break;
    case DType::Q5_K:
      quantize_blocks<BlockQ5_K, kQK_K>(quantize_q5_k, src, dst, n);
      break;
    case DType::Q6_K:
      quantize_blocks<BlockQ6_K, kQK_K>(quantize_q6_k, src, dst, n);
      break;
    case DType::IQ4_XS:
      quantize_blocks<BlockIQ4_XS, kQK_K>(quantize_iq4_xs, src, dst, n);
      break;
    default:
      break;  // excluded by can_quantize
  }
  return Status::ok();
}

}  // namespace hearth::synth

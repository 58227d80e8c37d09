// model/attention: every order of arithmetic and every way of splitting the work, checked on
// random data against (1) plain double-precision attention, within tolerances that follow from
// the f16 roundings, and (2) a per-query emulation of the order attention.h documents, which
// the scalar ("ref") kernels must match bit for bit and the SIMD ones up to their summation
// order inside dot products.
#include "model/attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/kernel_table.h"
#include "model/model_config.h"
#include "tensor/fp16.h"

namespace hearth {
namespace {

struct Case {
  int32_t head_dim_k, head_dim_v, n_head_kv, group;
  bool causal;
  int32_t window, n_tokens, pos0;
  bool tiled;
};

std::string describe(const Case& c) {
  return "dk=" + std::to_string(c.head_dim_k) + " dv=" + std::to_string(c.head_dim_v) +
         " kv_heads=" + std::to_string(c.n_head_kv) + " group=" + std::to_string(c.group) +
         (c.causal ? " causal" : " full") + " window=" + std::to_string(c.window) +
         " tokens=" + std::to_string(c.n_tokens) + " pos0=" + std::to_string(c.pos0) +
         (c.tiled ? " tiled" : " row-wise");
}

float round_f16(float x) { return fp16_to_f32(f32_to_fp16(x)); }

// A cache of one layer holding random keys and values for positions [0, n_kv), and random
// queries for the last n_tokens of them.
struct Problem {
  Case c;
  AttentionShape shape;
  int32_t n_kv = 0;
  KvCache kv;
  std::vector<float> q;

  explicit Problem(const Case& cs) : c(cs) {
    ModelConfig mc;
    mc.n_layer = 1;
    mc.n_head = c.n_head_kv * c.group;
    mc.n_head_kv = c.n_head_kv;
    mc.head_dim_k = c.head_dim_k;
    mc.head_dim_v = c.head_dim_v;
    shape.n_head = mc.n_head;
    shape.n_head_kv = c.n_head_kv;
    shape.head_dim_k = c.head_dim_k;
    shape.head_dim_v = c.head_dim_v;
    shape.scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim_k));
    shape.causal = c.causal;
    shape.window = c.window;
    shape.tiled_batches = c.tiled;
    n_kv = c.pos0 + c.n_tokens;
    std::mt19937 rng(static_cast<uint32_t>(n_kv * 131 + c.head_dim_k * 7 + c.group));
    // Scores of standard deviation ~1.3: softmax weights spread over many keys, but with a
    // running maximum that still moves.
    std::uniform_real_distribution<float> unit(-1.0f, 1.0f), wide(-4.0f, 4.0f);
    std::vector<float> keys(static_cast<size_t>(n_kv) * mc.n_embd_k());
    std::vector<float> values(static_cast<size_t>(n_kv) * mc.n_embd_v());
    for (float& x : keys) x = unit(rng);
    for (float& x : values) x = unit(rng);
    q.resize(static_cast<size_t>(c.n_tokens) * mc.n_embd_q());
    for (float& x : q) x = wide(rng);
    kv.allocate(mc, n_kv);
    // A paged cache maps its blocks first; a flat one has nothing to prepare.
    if constexpr (requires { kv.prepare(0, n_kv); }) {
      EXPECT_TRUE(kv.prepare(0, n_kv).is_ok());
    }
    kv.store(0, 0, n_kv, keys.data(), values.data());
  }

  int64_t out_size() const { return static_cast<int64_t>(c.n_tokens) * shape.n_head * c.head_dim_v; }

  void visible(int32_t t, int32_t& lo, int32_t& hi) const {
    const int32_t pos = c.pos0 + t;
    lo = 0;
    hi = n_kv;
    if (c.causal) {
      hi = std::min(n_kv, pos + 1);
      if (c.window > 0) lo = std::max(0, pos - c.window + 1);
    }
  }
  float key(int32_t j, int32_t head, int32_t d) const {
    return fp16_to_f32(kv.k(0, j)[head * c.head_dim_k + d]);
  }
  float value(int32_t j, int32_t head, int32_t d) const {
    return fp16_to_f32(kv.v(0, j)[head * c.head_dim_v + d]);
  }
  const float* query(int32_t t, int32_t h) const {
    return q.data() + (static_cast<size_t>(t) * shape.n_head + h) * c.head_dim_k;
  }

  std::vector<float> attend_with(ThreadPool* pool) const {
    const int threads = pool ? pool->num_threads() : 1;
    std::vector<float> scratch(static_cast<size_t>(threads * attention_scratch_floats(shape)));
    std::vector<float> out(static_cast<size_t>(out_size()), -1.0f);
    attend(shape, q.data(), c.n_tokens, c.pos0, kv, 0, n_kv, out.data(), scratch, pool);
    return out;
  }

  // Softmax attention in double over the cached (f16) keys and values and the f32 queries.
  std::vector<double> exact() const {
    std::vector<double> out(static_cast<size_t>(out_size()), 0.0);
    const int32_t dk = c.head_dim_k, dv = c.head_dim_v;
    for (int32_t t = 0; t < c.n_tokens; ++t) {
      int32_t lo = 0, hi = 0;
      visible(t, lo, hi);
      for (int32_t h = 0; h < shape.n_head; ++h) {
        const int32_t kvh = h / c.group;
        std::vector<double> s(static_cast<size_t>(std::max(hi - lo, 0)));
        double max = -INFINITY;
        for (int32_t j = lo; j < hi; ++j) {
          double dot = 0.0;
          for (int32_t d = 0; d < dk; ++d) dot += double{query(t, h)[d]} * key(j, kvh, d);
          s[j - lo] = dot * shape.scale;
          max = std::max(max, s[j - lo]);
        }
        double sum = 0.0;
        double* o = out.data() + (static_cast<size_t>(t) * shape.n_head + h) * dv;
        for (int32_t j = lo; j < hi; ++j) {
          const double p = std::exp(s[j - lo] - max);
          sum += p;
          for (int32_t d = 0; d < dv; ++d) o[d] += p * value(j, kvh, d);
        }
        for (int32_t d = 0; d < dv; ++d) o[d] = sum > 0.0 ? o[d] / sum : 0.0;
      }
    }
    return out;
  }

  // attention.h's orders, one query at a time with scalar f32 arithmetic.
  std::vector<float> emulated() const {
    std::vector<float> out(static_cast<size_t>(out_size()), 0.0f);
    const bool tiled = c.tiled && c.n_tokens >= kAttentionBatchRows;
    const int32_t dk = c.head_dim_k, dv = c.head_dim_v;
    std::vector<float> qh(dk), acc(dv), scores;
    for (int32_t t = 0; t < c.n_tokens; ++t) {
      int32_t lo = 0, hi = 0;
      visible(t, lo, hi);
      for (int32_t h = 0; h < shape.n_head; ++h) {
        const int32_t kvh = h / c.group;
        for (int32_t d = 0; d < dk; ++d) qh[d] = tiled ? query(t, h)[d] : round_f16(query(t, h)[d]);
        auto score = [&](int32_t j) {
          float dot = 0.0f;
          for (int32_t d = 0; d < dk; ++d) dot += qh[d] * key(j, kvh, d);
          return dot * shape.scale;
        };
        std::fill(acc.begin(), acc.end(), 0.0f);
        float max = -INFINITY, sum = 0.0f;
        if (tiled) {
          for (int32_t tile = lo / 64 * 64; tile < hi; tile += 64) {
            const int32_t j0 = std::max(lo, tile), j1 = std::min(hi, tile + 64);
            scores.assign(static_cast<size_t>(j1 - j0), 0.0f);
            float tile_max = -INFINITY;
            for (int32_t j = j0; j < j1; ++j) tile_max = std::max(tile_max, scores[j - j0] = score(j));
            const float new_max = std::max(max, tile_max);
            if (new_max > max) {
              const float rescale = std::exp(max - new_max);
              for (float& a : acc) a *= rescale;
              sum *= rescale;
            }
            max = new_max;
            double tile_sum = 0.0;
            for (int32_t j = j0; j < j1; ++j) {
              const float p = std::exp(scores[j - j0] - max);
              tile_sum += p;
              for (int32_t d = 0; d < dv; ++d) acc[d] += p * value(j, kvh, d);
            }
            sum += static_cast<float>(tile_sum);
          }
        } else {
          for (int32_t j = lo; j < hi; ++j) {
            const float s = score(j);
            float rescale = 1.0f, weight = 1.0f;
            if (s > max) {
              rescale = std::exp(max - s);
              max = s;
              for (float& a : acc) a = round_f16(a * rescale);
            } else {
              weight = std::exp(s - max);
            }
            for (int32_t d = 0; d < dv; ++d) acc[d] = round_f16(std::fma(value(j, kvh, d), weight, acc[d]));
            sum = sum * rescale + weight;
          }
        }
        const float inv = sum == 0.0f ? 0.0f : 1.0f / sum;
        float* o = out.data() + (static_cast<size_t>(t) * shape.n_head + h) * dv;
        for (int32_t d = 0; d < dv; ++d) o[d] = acc[d] * inv;
      }
    }
    return out;
  }

  // How far from exact attention the documented order may land. Values are in [-1, 1], so
  // absolute errors are relative to the output scale.
  double exact_tolerance() const {
    const bool tiled = c.tiled && c.n_tokens >= kAttentionBatchRows;
    const double keys = std::max(1, c.causal && c.window > 0 ? c.window : n_kv);
    // Tiled: f32 rounding only, at most half an f32 ulp per step of a dot product or of the
    // accumulator (a linear bound).
    if (tiled) return std::ldexp(1.0, -24) * (c.head_dim_k + keys);
    // Row-wise: the f16 query moves each score by up to 2^-11 of sum |q_d k_d| times the scale
    // (random signs: ~sqrt(dk) terms), and each of the `keys` f16 accumulator steps rounds by
    // up to half an f16 ulp of values below 1 (a random walk: ~sqrt(keys) steps).
    return std::ldexp(1.0, -11) * (std::sqrt(c.head_dim_k) + std::sqrt(keys));
  }
};

std::vector<Case> cases() {
  return {
      // dk   dv  kvh grp causal win tokens pos0 tiled
      {64, 64, 2, 1, true, 0, 1, 0, false},      // the first token
      {64, 64, 2, 4, true, 0, 1, 150, false},    // decoding
      {128, 128, 1, 8, true, 0, 1, 300, false},  // decoding, one kv head
      {256, 256, 2, 8, true, 0, 1, 500, false},  // decoding, wide heads
      {64, 64, 2, 2, true, 0, 37, 20, false},    // a small batch
      {64, 64, 2, 4, true, 0, 130, 0, false},    // a prompt, row-wise
      {64, 64, 2, 4, true, 0, 130, 0, true},     // a prompt, tiled
      {64, 64, 1, 8, true, 0, 200, 3, false},    // 200 tokens
      {128, 128, 2, 2, true, 24, 90, 40, false}, // sliding window
      {128, 128, 2, 2, true, 24, 90, 40, true},
      {128, 128, 2, 8, true, 100, 65, 70, true},
      {64, 64, 2, 2, false, 0, 70, 0, true},     // an encoder
      {64, 64, 4, 1, false, 0, 20, 0, false},
      {256, 256, 1, 2, true, 0, 120, 0, false},
      {256, 256, 1, 2, true, 0, 100, 0, true},
      {36, 20, 3, 1, true, 0, 50, 10, false},    // widths that are not whole vectors
      {36, 20, 3, 1, true, 0, 70, 10, true},
      {8, 8, 1, 2, true, 0, 9, 0, false},
  };
}

// Runs fn once per available kernel set (ref always; avx2 where this CPU has it), then
// restores the selection.
template <class Fn>
void for_each_isa(const Fn& fn) {
  const std::string before(kernels::isa_name());
  for (const char* isa : {"ref", "avx2"}) {
    if (kernels::kernels_for_isa(isa) == nullptr) continue;
    ASSERT_TRUE(kernels::set_isa(isa).is_ok());
    SCOPED_TRACE(isa);
    fn(std::string(isa));
  }
  ASSERT_TRUE(kernels::set_isa(before).is_ok());
}

TEST(Attention, MatchesExactAttentionAndTheDocumentedOrder) {
  ThreadPool pool(3);
  for (const Case& c : cases()) {
    SCOPED_TRACE(describe(c));
    const Problem p(c);
    const std::vector<double> exact = p.exact();
    const std::vector<float> emulated = p.emulated();
    const double tol = p.exact_tolerance();
    const bool tiled = c.tiled && c.n_tokens >= kAttentionBatchRows;
    for_each_isa([&](const std::string& isa) {
      const std::vector<float> out = p.attend_with(nullptr);
      double worst_exact = 0.0, worst_emulated = 0.0;
      for (size_t i = 0; i < out.size(); ++i) {
        worst_exact = std::max(worst_exact, std::abs(out[i] - exact[i]));
        worst_emulated = std::max(worst_emulated, double{std::abs(out[i] - emulated[i])});
      }
      EXPECT_LE(worst_exact, tol);
      if (isa == "ref") {
        EXPECT_EQ(worst_emulated, 0.0) << "the scalar kernels must follow the order exactly";
      } else {
        // Only the rounding inside dot products differs (FMA, f32): scores move by a few f32
        // ulps. Row-wise, that can flip an f16 rounding of the accumulator now and then, each
        // flip worth up to one f16 ulp (2^-11 relative to values below 1).
        EXPECT_LE(worst_emulated, tiled ? 1e-5 : std::ldexp(1.0, -9));
      }
      const std::vector<float> pooled = p.attend_with(&pool);
      EXPECT_EQ(0, std::memcmp(out.data(), pooled.data(), out.size() * sizeof(float)))
          << "splitting the work over threads must not change any result";
    });
  }
}

// Row-wise, each query's result depends only on the query and the cache: decoding tokens one
// by one gives the batch's results bit for bit.
TEST(Attention, RowWiseBatchEqualsTokenByToken) {
  ThreadPool pool(2);
  const Case c{64, 64, 2, 4, true, 0, 40, 30, false};
  const Problem p(c);
  for_each_isa([&](const std::string&) {
    const std::vector<float> batch = p.attend_with(&pool);
    const int64_t row = static_cast<int64_t>(p.shape.n_head) * c.head_dim_v;
    const int64_t row_q = static_cast<int64_t>(p.shape.n_head) * c.head_dim_k;
    std::vector<float> scratch(static_cast<size_t>(attention_scratch_floats(p.shape)));
    std::vector<float> one(static_cast<size_t>(row));
    for (int32_t t = 0; t < c.n_tokens; ++t) {
      attend(p.shape, p.q.data() + t * row_q, 1, c.pos0 + t, p.kv, 0, c.pos0 + t + 1, one.data(),
             scratch, nullptr);
      ASSERT_EQ(0, std::memcmp(one.data(), batch.data() + t * row, one.size() * sizeof(float)))
          << "token " << t;
    }
  });
}

// A query that sees no key (an empty cache) gets zeros, not NaN.
TEST(Attention, NoVisibleKeysGivesZeros) {
  const Case c{16, 16, 1, 2, false, 0, 3, 0, false};
  const Problem p(c);
  std::vector<float> scratch(static_cast<size_t>(attention_scratch_floats(p.shape)));
  std::vector<float> out(static_cast<size_t>(p.out_size()), 7.0f);
  attend(p.shape, p.q.data(), c.n_tokens, 0, p.kv, 0, /*n_kv=*/0, out.data(), scratch, nullptr);
  for (float x : out) EXPECT_EQ(x, 0.0f);
}

}  // namespace
}  // namespace hearth

// fp16 / bf16 / e8m0 conversions against references computed another way: values from
// ldexp, and rounding by searching the ordered list of representable values.
#include "tensor/fp16.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace hearth {
namespace {

// Value of a binary16 pattern from its fields, in double.
double half_value(uint16_t h) {
  const int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  const double sign = (h & 0x8000) ? -1.0 : 1.0;
  if (exp == 0x1f) return mant ? std::numeric_limits<double>::quiet_NaN() : sign * INFINITY;
  if (exp == 0) return sign * std::ldexp(mant, -24);
  return sign * std::ldexp(mant + 1024, exp - 25);
}

double bf16_value(uint16_t b) {
  const int exp = (b >> 7) & 0xff, mant = b & 0x7f;
  const double sign = (b & 0x8000) ? -1.0 : 1.0;
  if (exp == 0xff) return mant ? std::numeric_limits<double>::quiet_NaN() : sign * INFINITY;
  if (exp == 0) return sign * std::ldexp(mant, -133);
  return sign * std::ldexp(mant + 128, exp - 134);
}

// Nearest of the non-negative patterns 0..inf_bits (ordered by value; inf counts as the next
// power of two, which is exactly IEEE's overflow rule), ties to the even pattern.
uint16_t round_by_search(double x, uint16_t inf_bits, double inf_as, double (*value)(uint16_t)) {
  auto val = [&](uint32_t b) { return b == inf_bits ? inf_as : value(static_cast<uint16_t>(b)); };
  const double a = std::fabs(x);
  const uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  if (a >= inf_as) return sign | inf_bits;
  uint32_t lo = 0, hi = inf_bits;  // val(lo) <= a < val(hi)
  while (hi - lo > 1) {
    const uint32_t mid = (lo + hi) / 2;
    (val(mid) <= a ? lo : hi) = mid;
  }
  const double dlo = a - val(lo), dhi = val(hi) - a;
  const uint32_t pick = dlo < dhi ? lo : dhi < dlo ? hi : (lo % 2 == 0 ? lo : hi);
  return static_cast<uint16_t>(sign | pick);
}

uint16_t ref_f32_to_fp16(float f) { return round_by_search(f, 0x7c00, 65536.0, half_value); }
uint16_t ref_f32_to_bf16(float f) {
  return round_by_search(f, 0x7f80, std::ldexp(1.0, 128), bf16_value);
}

TEST(Fp16, WidensEveryPatternExactly) {
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const float got = fp16_to_f32(static_cast<uint16_t>(h));
    const double want = half_value(static_cast<uint16_t>(h));
    if (std::isnan(want)) {
      ASSERT_TRUE(std::isnan(got)) << std::hex << h;
      ASSERT_EQ(std::signbit(got), (h & 0x8000) != 0) << std::hex << h;
    } else {
      // Compare bits so that -0 and +0 are told apart.
      ASSERT_EQ(std::bit_cast<uint32_t>(got), std::bit_cast<uint32_t>(static_cast<float>(want)))
          << std::hex << h;
    }
  }
}

TEST(Fp16, NarrowingRoundTripsEveryHalf) {
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const float f = fp16_to_f32(static_cast<uint16_t>(h));
    const uint16_t back = f32_to_fp16(f);
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(fp16_to_f32(back))) << std::hex << h;
    } else {
      ASSERT_EQ(back, h) << std::hex << h;
    }
  }
}

TEST(Fp16, NarrowingRoundsToNearestEven) {
  std::vector<float> inputs;
  // Midpoints between neighbouring halves (exact in f32) and their f32 neighbours: the cases
  // where rounding direction and ties matter.
  for (uint32_t h = 0; h < 0x7c00; ++h) {
    const double next = h + 1 == 0x7c00 ? 65536.0 : half_value(static_cast<uint16_t>(h + 1));
    const auto mid = static_cast<float>((half_value(static_cast<uint16_t>(h)) + next) / 2);
    for (float v : {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, INFINITY)}) {
      inputs.push_back(v);
      inputs.push_back(-v);
    }
  }
  for (float v : {65504.0f, 65519.99f, 65520.0f, 70000.0f, 1e30f, INFINITY, 0x1p-25f,
                  std::nextafter(0x1p-25f, 1.0f), 0x1p-26f, 1e-45f, 0.0f, -0.0f})
    inputs.push_back(v);
  std::mt19937 rng(7);
  for (int i = 0; i < 300000; ++i) {
    inputs.push_back(std::bit_cast<float>(static_cast<uint32_t>(rng())));
    // Concentrated on the exponents a half can hold.
    const uint32_t bits = (rng() & 0x807fffffu) | ((100u + rng() % 45u) << 23);
    inputs.push_back(std::bit_cast<float>(bits));
  }
  for (float f : inputs) {
    if (std::isnan(f)) {
      ASSERT_TRUE(std::isnan(fp16_to_f32(f32_to_fp16(f))));
      continue;
    }
    ASSERT_EQ(f32_to_fp16(f), ref_f32_to_fp16(f)) << std::hexfloat << f;
  }
}

TEST(Bf16, WidensEveryPatternExactly) {
  for (uint32_t b = 0; b <= 0xffff; ++b) {
    const float got = bf16_to_f32(static_cast<uint16_t>(b));
    const double want = bf16_value(static_cast<uint16_t>(b));
    if (std::isnan(want)) {
      ASSERT_TRUE(std::isnan(got)) << std::hex << b;
    } else {
      ASSERT_EQ(std::bit_cast<uint32_t>(got), std::bit_cast<uint32_t>(static_cast<float>(want)))
          << std::hex << b;
    }
  }
}

TEST(Bf16, NarrowingRoundsToNearestEvenAndKeepsNan) {
  for (uint32_t b = 0; b <= 0xffff; ++b) {
    const float f = bf16_to_f32(static_cast<uint16_t>(b));
    if (std::isnan(f)) {
      const uint16_t back = f32_to_bf16(f);
      EXPECT_TRUE(std::isnan(bf16_to_f32(back))) << std::hex << b;
      EXPECT_TRUE(back & 0x40) << "NaN must come back quiet";
      continue;
    }
    ASSERT_EQ(f32_to_bf16(f), b) << std::hex << b;
    // Midpoint to the next pattern and its neighbours (0x7f7f's next is inf).
    const uint32_t mid_bits = (b << 16) | 0x8000u;
    for (uint32_t bits : {mid_bits, mid_bits - 1, mid_bits + 1}) {
      const float m = std::bit_cast<float>(bits);
      if (std::isnan(m)) continue;
      ASSERT_EQ(f32_to_bf16(m), ref_f32_to_bf16(m)) << std::hexfloat << m;
    }
  }
  std::mt19937 rng(11);
  for (int i = 0; i < 300000; ++i) {
    const float f = std::bit_cast<float>(static_cast<uint32_t>(rng()));
    if (std::isnan(f)) continue;
    ASSERT_EQ(f32_to_bf16(f), ref_f32_to_bf16(f)) << std::hexfloat << f;
  }
}

TEST(E8m0, DecodesPowersOfTwo) {
  for (int e = 0; e < 255; ++e) {
    EXPECT_EQ(e8m0_to_f32(static_cast<uint8_t>(e)), static_cast<float>(std::ldexp(1.0, e - 127)))
        << e;
    EXPECT_EQ(e8m0_to_f32_half(static_cast<uint8_t>(e)),
              static_cast<float>(std::ldexp(1.0, e - 128)))
        << e;
  }
  EXPECT_TRUE(std::isinf(e8m0_to_f32(255)));
  EXPECT_EQ(e8m0_to_f32_half(255), std::ldexp(1.0f, 127));
}

}  // namespace
}  // namespace hearth

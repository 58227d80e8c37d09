// GgufWriter: what it writes reads back identically (metadata of every type, tensors, alignment).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "gguf/test_paths.h"

namespace hearth::gguf {
namespace {

// Deep equality of values, types included.
void expect_same_value(const Value& a, const Value& b, const std::string& where) {
  ASSERT_EQ(a.type(), b.type()) << where;
  if (const Array* aa = a.as_array()) {
    const Array* ba = b.as_array();
    ASSERT_NE(ba, nullptr) << where;
    ASSERT_EQ(aa->elem_type, ba->elem_type) << where;
    ASSERT_EQ(aa->items.size(), ba->items.size()) << where;
    for (size_t i = 0; i < aa->items.size(); ++i) {
      expect_same_value(aa->items[i], ba->items[i], where + "[" + std::to_string(i) + "]");
    }
  } else if (a.as_string() != nullptr) {
    EXPECT_EQ(*a.as_string(), *b.as_string()) << where;
  } else if (a.as_bool()) {
    EXPECT_EQ(*a.as_bool(), *b.as_bool()) << where;
  } else if (a.type() == ValueType::FLOAT32 || a.type() == ValueType::FLOAT64) {
    const double x = *a.as_float(), y = *b.as_float();
    if (std::isnan(x)) {
      EXPECT_TRUE(std::isnan(y)) << where;
    } else {
      EXPECT_EQ(x, y) << where;
    }
  } else if (a.as_int()) {
    EXPECT_EQ(a.as_int(), b.as_int()) << where;
  } else {
    EXPECT_EQ(a.as_uint(), b.as_uint()) << where;
  }
}

Array array_of(ValueType t, std::vector<Value> items) { return Array{t, std::move(items)}; }

// One value of every type, extremes included, plus nested arrays.
std::vector<std::pair<std::string, Value>> every_kind_of_value() {
  using VT = ValueType;
  Array inner_a = array_of(VT::STRING, {Value::of_string("x"), Value::of_string("")});
  Array inner_b = array_of(VT::INT16, {Value::of_int(VT::INT16, -32768)});
  Array empty = array_of(VT::FLOAT64, {});
  Array nested = array_of(VT::ARRAY, {Value::of_array(inner_a), Value::of_array(inner_b),
                                      Value::of_array(empty)});
  Array deeper = array_of(VT::ARRAY, {Value::of_array(nested)});
  return {
      {"u8", Value::of_uint(VT::UINT8, 255)},
      {"i8", Value::of_int(VT::INT8, -128)},
      {"u16", Value::of_uint(VT::UINT16, 65535)},
      {"i16", Value::of_int(VT::INT16, -2)},
      {"u32", Value::of_uint(VT::UINT32, 4000000000u)},
      {"i32", Value::of_int(VT::INT32, std::numeric_limits<int32_t>::min())},
      {"u64", Value::of_uint(VT::UINT64, std::numeric_limits<uint64_t>::max())},
      {"i64", Value::of_int(VT::INT64, std::numeric_limits<int64_t>::min())},
      {"f32", Value::of_float(VT::FLOAT32, 0.1)},
      {"f64", Value::of_float(VT::FLOAT64, -1e300)},
      {"f32.nan", Value::of_float(VT::FLOAT32, std::nan(""))},
      {"bool.true", Value::of_bool(true)},
      {"bool.false", Value::of_bool(false)},
      {"str", Value::of_string("héllo \n wörld")},
      {"str.nul", Value::of_string(std::string("a\0b", 3))},
      {"str.empty", Value::of_string("")},
      {"arr.u8", Value::of_array(array_of(VT::UINT8, {Value::of_uint(VT::UINT8, 1),
                                                      Value::of_uint(VT::UINT8, 2)}))},
      {"arr.f32", Value::of_array(array_of(VT::FLOAT32, {Value::of_float(VT::FLOAT32, 1.5)}))},
      {"arr.bool", Value::of_array(array_of(VT::BOOL, {Value::of_bool(true)}))},
      {"arr.nested", Value::of_array(nested)},
      {"arr.deeper", Value::of_array(deeper)},
      {"arr.empty", Value::of_array(array_of(VT::STRING, {}))},
  };
}

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 31);
  return b;
}

struct TensorSpec {
  std::string name;
  std::vector<uint64_t> ne;
  DType dtype;
};

const std::vector<TensorSpec> kTensors = {
    {"a.f32", {3}, DType::F32},           {"b.f16", {5, 3}, DType::F16},
    {"c.q4_0", {64, 2}, DType::Q4_0},     {"d.q8_0", {32, 1, 3}, DType::Q8_0},
    {"e.q4_k", {256, 2, 1, 2}, DType::Q4_K}, {"f.mxfp4", {32}, DType::MXFP4},
};

void round_trip(uint64_t alignment) {
  SCOPED_TRACE("alignment " + std::to_string(alignment));
  GgufWriter w(alignment);
  for (auto& [k, v] : every_kind_of_value()) w.set(k, v);
  std::vector<std::vector<uint8_t>> datas;
  for (size_t i = 0; i < kTensors.size(); ++i) {
    const auto& s = kTensors[i];
    uint64_t rows = 1;
    for (size_t d = 1; d < s.ne.size(); ++d) rows *= s.ne[d];
    datas.push_back(pattern(*row_bytes(s.dtype, s.ne[0]) * rows, static_cast<uint8_t>(i)));
    ASSERT_TRUE(w.add_tensor(s.name, s.ne, s.dtype, datas.back()).is_ok());
  }
  const auto bytes = w.to_bytes();
  EXPECT_EQ(bytes.size() % alignment, 0u);
  auto f = GgufFile::from_memory(bytes);
  ASSERT_TRUE(f.is_ok()) << f.message();
  EXPECT_EQ((*f)->version(), 3u);
  EXPECT_EQ((*f)->alignment(), alignment);

  const auto expected = every_kind_of_value();
  const bool alignment_key = alignment != 32;
  ASSERT_EQ((*f)->metadata().size(), expected.size() + (alignment_key ? 1 : 0));
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ((*f)->metadata()[i].key, expected[i].first);
    expect_same_value((*f)->metadata()[i].value, expected[i].second, expected[i].first);
  }
  if (alignment_key) {
    EXPECT_EQ((*f)->find("general.alignment")->type(), ValueType::UINT32);
  }
  ASSERT_EQ((*f)->tensors().size(), kTensors.size());
  for (size_t i = 0; i < kTensors.size(); ++i) {
    const TensorInfo& t = (*f)->tensors()[i];
    EXPECT_EQ(t.name, kTensors[i].name);
    EXPECT_EQ(t.ne, kTensors[i].ne);
    EXPECT_EQ(t.dtype, kTensors[i].dtype);
    ASSERT_EQ(t.nbytes, datas[i].size());
    EXPECT_EQ(static_cast<uint64_t>(t.data - bytes.data()) % alignment, 0u);
    EXPECT_EQ(std::memcmp(t.data, datas[i].data(), t.nbytes), 0) << t.name;
  }
}

TEST(GgufWriter, RoundTripsEveryValueTypeAndTensor) { round_trip(32); }
TEST(GgufWriter, RoundTripsWithCustomAlignment) {
  round_trip(1);
  round_trip(8);
  round_trip(64);
  round_trip(4096);
}

TEST(GgufWriter, SetReplacesAndAlignmentKeyFollowsTheWriter) {
  GgufWriter w(64);
  w.set("a", Value::of_uint(ValueType::UINT32, 1));
  w.set("general.alignment", Value::of_uint(ValueType::UINT32, 8));
  w.set("a", Value::of_string("two"));
  auto f = GgufFile::from_memory(w.to_bytes());
  ASSERT_TRUE(f.is_ok()) << f.message();
  ASSERT_EQ((*f)->metadata().size(), 2u);
  EXPECT_EQ((*f)->get_string("a").value(), "two");
  EXPECT_EQ((*f)->get_uint("general.alignment").value(), 64u);
  EXPECT_EQ((*f)->alignment(), 64u);
}

TEST(GgufWriter, RejectsBadTensors) {
  GgufWriter w;
  auto msg = [&](std::vector<uint64_t> ne, DType t, size_t n) {
    return w.add_tensor("t", std::move(ne), t, std::vector<uint8_t>(n)).message();
  };
  EXPECT_NE(msg({4}, DType::F32, 15).find("needs 16 bytes of data but 15 were given"),
            std::string::npos);
  EXPECT_NE(msg({100}, DType::Q4_K, 0).find("not a multiple of Q4_K's block size 256"),
            std::string::npos);
  EXPECT_NE(msg({1, 1, 1, 1, 1}, DType::F32, 4).find("5 dimensions"), std::string::npos);
  EXPECT_NE(msg({}, DType::F32, 0).find("0 dimensions"), std::string::npos);
  EXPECT_NE(msg({4, 0}, DType::F32, 0).find("shape [4, 0]"), std::string::npos);
  ASSERT_TRUE(w.add_tensor("t", {4}, DType::F32, std::vector<uint8_t>(16)).is_ok());
  EXPECT_NE(msg({4}, DType::F32, 16).find("added twice"), std::string::npos);
}

// Rewriting the reference models through the reader and the writer reproduces the bytes
// gguf-py and llama-quantize wrote.
TEST(GgufWriter, RewritesReferenceModelsByteForByte) {
  auto paths = testing::gguf_files("models");
  paths.push_back(testing::testdata("real/stories260K.gguf"));
  paths.push_back(testing::testdata("real/TinyStories-656K-Q2_K.gguf"));
  ASSERT_GT(paths.size(), 2u);
  for (const auto& path : paths) {
    SCOPED_TRACE(path);
    auto src = GgufFile::open(path);
    ASSERT_TRUE(src.is_ok()) << src.message();
    GgufWriter w((*src)->alignment());
    for (const auto& kv : (*src)->metadata()) w.set(kv.key, kv.value);
    for (const auto& t : (*src)->tensors()) {
      ASSERT_TRUE(w.add_tensor(t.name, t.ne, t.dtype, {t.data, t.data + t.nbytes}).is_ok());
    }
    const auto bytes = w.to_bytes();
    const auto original = (*src)->bytes();
    ASSERT_EQ(bytes.size(), original.size());
    EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), original.begin()));
  }
}

TEST(GgufWriter, WritesFiles) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("hearth_writer_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "w.gguf").string();
  GgufWriter w;
  w.set("general.architecture", Value::of_string("llama"));
  ASSERT_TRUE(w.add_tensor("x", {2}, DType::F32, std::vector<uint8_t>(8, 1)).is_ok());
  ASSERT_TRUE(w.write_file(path).is_ok());
  auto f = GgufFile::open(path);
  ASSERT_TRUE(f.is_ok()) << f.message();
  EXPECT_EQ((*f)->get_string("general.architecture").value(), "llama");
  EXPECT_EQ((*f)->find_tensor("x")->data[7], 1);

  auto bad = w.write_file((dir / "no/such/dir/w.gguf").string());
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.message().find("cannot create"), std::string::npos) << bad.message();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hearth::gguf

// Value conversions and rendering, and GgufFile's typed getters and their error messages.
#include <gtest/gtest.h>

#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"

namespace hearth::gguf {
namespace {

using VT = ValueType;

TEST(Value, IntegersConvertWhenTheyFit) {
  EXPECT_EQ(Value::of_int(VT::INT32, 7).as_uint(), 7u);
  EXPECT_FALSE(Value::of_int(VT::INT32, -7).as_uint().has_value());
  EXPECT_EQ(Value::of_int(VT::INT32, -7).as_int(), -7);
  EXPECT_EQ(Value::of_uint(VT::UINT64, 1ull << 62).as_int(), int64_t{1} << 62);
  EXPECT_FALSE(Value::of_uint(VT::UINT64, 1ull << 63).as_int().has_value());
  EXPECT_EQ(Value::of_uint(VT::UINT8, 200).as_float(), 200.0);
  EXPECT_EQ(Value::of_int(VT::INT8, -3).as_float(), -3.0);
  EXPECT_FALSE(Value::of_float(VT::FLOAT32, 1.0).as_uint().has_value());
  EXPECT_FALSE(Value::of_bool(true).as_uint().has_value());
  EXPECT_FALSE(Value::of_string("1").as_int().has_value());
  EXPECT_EQ(Value::of_string("1").as_array(), nullptr);
  EXPECT_FALSE(Value::of_uint(VT::UINT8, 1).as_bool().has_value());
  // FLOAT32 keeps what the file holds.
  EXPECT_EQ(Value::of_float(VT::FLOAT32, 0.1).as_float(), static_cast<double>(0.1f));
  EXPECT_EQ(Value::of_float(VT::FLOAT64, 0.1).as_float(), 0.1);
}

TEST(Value, Display) {
  EXPECT_EQ(Value::of_uint(VT::UINT32, 42).to_display(), "42");
  EXPECT_EQ(Value::of_int(VT::INT64, -5).to_display(), "-5");
  EXPECT_EQ(Value::of_float(VT::FLOAT32, 1e-5).to_display(), "1e-05");
  EXPECT_EQ(Value::of_bool(false).to_display(), "false");
  EXPECT_EQ(Value::of_string("it's\n").to_display(), "\"it's\\n\"");
  EXPECT_EQ(Value::of_string("a'b\"c\x01").to_display(), "'a\\'b\"c\\x01'");
  EXPECT_EQ(Value::of_string(std::string(100, 'a')).to_display(),
            "'" + std::string(60, 'a') + "...'");
  Array a{VT::INT32, {}};
  for (int i = 0; i < 10; ++i) a.items.push_back(Value::of_int(VT::INT32, i));
  EXPECT_EQ(Value::of_array(a).to_display(3), "[0, 1, 2, ... 10 items]");
  EXPECT_EQ(Value::of_array(Array{VT::STRING, {}}).to_display(), "[]");
  Array nested{VT::ARRAY, {Value::of_array(Array{VT::STRING, {Value::of_string("x")}})}};
  EXPECT_EQ(Value::of_array(nested).to_display(), "[['x']]");
  EXPECT_EQ(value_type_name(VT::FLOAT64), "FLOAT64");
  EXPECT_EQ(value_type_name(static_cast<VT>(77)), "UNKNOWN");
}

class Getters : public ::testing::Test {
 protected:
  void SetUp() override {
    GgufWriter w;
    w.set("llama.block_count", Value::of_string("two"));
    w.set("u", Value::of_uint(VT::UINT32, 12));
    w.set("neg", Value::of_int(VT::INT32, -3));
    w.set("big", Value::of_uint(VT::UINT64, ~uint64_t{0}));
    w.set("f", Value::of_float(VT::FLOAT32, 0.5));
    w.set("b", Value::of_bool(true));
    w.set("arr", Value::of_array(Array{VT::INT32, {Value::of_int(VT::INT32, 1)}}));
    bytes_ = w.to_bytes();
    auto f = GgufFile::from_memory(bytes_);
    ASSERT_TRUE(f.is_ok()) << f.message();
    file_ = std::move(f).value();
  }
  std::vector<uint8_t> bytes_;
  std::unique_ptr<GgufFile> file_;
};

TEST_F(Getters, Values) {
  EXPECT_EQ(file_->get_uint("u").value(), 12u);
  EXPECT_EQ(file_->get_int("u").value(), 12);
  EXPECT_EQ(file_->get_int("neg").value(), -3);
  EXPECT_EQ(file_->get_float("f").value(), 0.5);
  EXPECT_EQ(file_->get_float("u").value(), 12.0);
  EXPECT_TRUE(file_->get_bool("b").value());
  EXPECT_EQ(file_->get_string("llama.block_count").value(), "two");
  EXPECT_EQ(file_->get_array("arr").value()->items.size(), 1u);
  EXPECT_EQ(file_->get_uint_or("missing", 9).value(), 9u);
  EXPECT_EQ(file_->get_uint_or("u", 9).value(), 12u);
  EXPECT_EQ(file_->get_float_or("missing", 2.5).value(), 2.5);
  EXPECT_FALSE(file_->get_bool_or("missing", false).value());
  EXPECT_EQ(file_->get_string_or("missing", "dflt").value(), "dflt");
  EXPECT_EQ(file_->find("missing"), nullptr);
  EXPECT_EQ(file_->find_tensor("missing"), nullptr);
}

TEST_F(Getters, ErrorsNameKeyAndTypes) {
  EXPECT_EQ(file_->get_uint("llama.context_length").message(),
            "key 'llama.context_length' is missing");
  EXPECT_EQ(file_->get_uint("llama.block_count").message(),
            "key 'llama.block_count' has type STRING, expected an integer");
  EXPECT_EQ(file_->get_uint("neg").message(), "key 'neg' is -3, expected a non-negative integer");
  EXPECT_EQ(file_->get_int("big").message(),
            "key 'big' is 18446744073709551615, which does not fit a signed 64-bit integer");
  EXPECT_EQ(file_->get_float("b").message(), "key 'b' has type BOOL, expected a number");
  EXPECT_EQ(file_->get_bool("u").message(), "key 'u' has type UINT32, expected BOOL");
  EXPECT_EQ(file_->get_string("arr").message(), "key 'arr' has type ARRAY, expected STRING");
  EXPECT_EQ(file_->get_array("f").message(), "key 'f' has type FLOAT32, expected ARRAY");
  // A present key of the wrong type is an error even with a fallback.
  EXPECT_FALSE(file_->get_uint_or("llama.block_count", 1).is_ok());
  EXPECT_FALSE(file_->get_string_or("u", "x").is_ok());
  EXPECT_FALSE(file_->get_bool_or("u", true).is_ok());
  EXPECT_FALSE(file_->get_float_or("arr", 1.0).is_ok());
}

}  // namespace
}  // namespace hearth::gguf

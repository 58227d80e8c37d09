// Malformed, truncated and hostile GGUF images: each gives an error naming what is wrong.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gguf/gguf_file.h"
#include "gguf/raw_gguf.h"
#include "gguf/test_paths.h"

namespace hearth::gguf {
namespace {

using testing::RawGguf;

constexpr uint32_t kF32 = 0, kQ4_K = 12;

// The error from parsing `bytes`, or "" when it (unexpectedly) parsed.
std::string error_of(const std::vector<uint8_t>& bytes) {
  auto f = GgufFile::from_memory(bytes, "bad.gguf");
  return f.is_ok() ? std::string() : f.message();
}

#define EXPECT_CONTAINS(haystack, needle)                                   \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)         \
      << "message: " << (haystack) << "\n   lacks: " << (needle)

// One F32 tensor of 8 elements, alignment 32: a small valid image to corrupt.
RawGguf one_tensor_file(std::vector<uint64_t> ne = {8}, uint32_t type = kF32,
                        uint64_t offset = 0) {
  RawGguf g;
  g.header(1, 1).kv_str("general.architecture", "llama");
  g.tensor_info("w", std::move(ne), type, offset).pad(32).zeros(32);
  return g;
}

TEST(MalformedFile, ValidBaselineParses) {
  auto f = GgufFile::from_memory(one_tensor_file().bytes);
  ASSERT_TRUE(f.is_ok()) << f.message();
  EXPECT_EQ((*f)->tensors()[0].nbytes, 32u);
  EXPECT_EQ((*f)->data_offset() % 32, 0u);
}

TEST(MalformedFile, TooSmallOrNotGguf) {
  EXPECT_CONTAINS(error_of({}), "too small to be a GGUF file");
  EXPECT_CONTAINS(error_of({'G', 'G'}), "too small");
  EXPECT_CONTAINS(error_of({0x7f, 'E', 'L', 'F', 0, 0, 0, 0}), "not a GGUF file");
  EXPECT_CONTAINS(error_of({0x7f, 'E', 'L', 'F', 0, 0, 0, 0}), "7f 45 4c 46");
  EXPECT_CONTAINS(error_of({'t', 'j', 'g', 'g', 1, 0, 0, 0}), "legacy GGJT file");
  auto header_only = RawGguf().header(0, 0).bytes;
  header_only.resize(20);
  EXPECT_CONTAINS(error_of(header_only), "header: needs 8 bytes at byte 16 but only 4 remain");
}

TEST(MalformedFile, Versions) {
  EXPECT_CONTAINS(error_of(RawGguf().header(0, 0, 1).bytes), "GGUF version 1 is obsolete");
  EXPECT_CONTAINS(error_of(RawGguf().header(0, 0, 4).bytes), "GGUF version 4 is not supported");
  EXPECT_CONTAINS(error_of(RawGguf().header(0, 0, 0x03000000).bytes), "big-endian");
  auto v2 = GgufFile::from_memory(RawGguf().header(0, 0, 2).bytes);
  ASSERT_TRUE(v2.is_ok()) << v2.message();
  EXPECT_EQ((*v2)->version(), 2u);
}

TEST(MalformedFile, HugeCountsFailBeforeAllocating) {
  EXPECT_CONTAINS(error_of(RawGguf().header(0, uint64_t{1} << 60).bytes),
                  "1152921504606846976 metadata keys");
  EXPECT_CONTAINS(error_of(RawGguf().header(uint64_t{1} << 60, 0).bytes),
                  "1152921504606846976 tensors");
  // An array claiming 2^60 bytes, and one whose byte count overflows 64 bits.
  RawGguf big;
  big.header(0, 1).str("tokenizer.ggml.token_type").u32(9).u32(0).u64(uint64_t{1} << 60);
  EXPECT_CONTAINS(error_of(big.bytes), "key 'tokenizer.ggml.token_type': array of "
                                       "1152921504606846976 UINT8 items");
  RawGguf overflow;
  overflow.header(0, 1).str("k").u32(9).u32(10).u64(uint64_t{1} << 62);
  EXPECT_CONTAINS(error_of(overflow.bytes), "needs at least 2^64+ bytes");
}

TEST(MalformedFile, StringLengths) {
  RawGguf key;
  key.header(0, 1).u64(1000).raw("abc", 3).zeros(10);
  EXPECT_CONTAINS(error_of(key.bytes), "key #0 name: string length 1000 at byte 24 exceeds the 13 "
                                       "bytes left");
  RawGguf value;
  value.header(0, 1).str("general.name").u32(8).u64(~uint64_t{0});
  EXPECT_CONTAINS(error_of(value.bytes), "key 'general.name': string length 18446744073709551615");
  RawGguf item;
  item.header(0, 1).str("tokenizer.ggml.tokens").u32(9).u32(8).u64(2).str("a").u64(99);
  EXPECT_CONTAINS(error_of(item.bytes), "key 'tokenizer.ggml.tokens' item [1]: string length 99");
}

TEST(MalformedFile, ValueTypes) {
  RawGguf bad_type;
  bad_type.header(0, 1).str("x").u32(13).u32(0);
  EXPECT_CONTAINS(error_of(bad_type.bytes), "key 'x' has unknown value type 13");
  RawGguf bad_elem;
  bad_elem.header(0, 1).str("x").u32(9).u32(99).u64(0);
  EXPECT_CONTAINS(error_of(bad_elem.bytes), "key 'x': array has unknown element type 99");
  RawGguf dup;
  dup.header(0, 2).kv_u32("a.b", 1).kv_u32("a.b", 2);
  EXPECT_CONTAINS(error_of(dup.bytes), "key 'a.b' appears twice (entries #0 and #1)");
}

// An array of `depth` nested arrays, the innermost holding one UINT8.
RawGguf nested(int depth) {
  RawGguf g;
  g.header(0, 1).str("deep").u32(9);
  for (int d = 1; d < depth; ++d) g.u32(9).u64(1);
  g.u32(0).u64(1).u8(7);
  return g;
}

TEST(MalformedFile, NestingDepthIsLimited) {
  auto ok = GgufFile::from_memory(nested(8).bytes);
  ASSERT_TRUE(ok.is_ok()) << ok.message();
  const Value* v = (*ok)->find("deep");
  for (int d = 0; d < 8; ++d) {
    ASSERT_NE(v->as_array(), nullptr);
    v = &v->as_array()->items.at(0);
  }
  EXPECT_EQ(v->as_uint(), 7u);
  EXPECT_CONTAINS(error_of(nested(9).bytes), "key 'deep' item [0][0][0][0][0][0][0][0]: arrays "
                                             "nested more than 8 deep");
  EXPECT_CONTAINS(error_of(nested(100000).bytes), "nested more than 8 deep");
}

TEST(MalformedFile, Alignment) {
  for (uint32_t bad : {0u, 24u, 3u}) {
    RawGguf g;
    g.header(0, 1).kv_u32("general.alignment", bad);
    EXPECT_CONTAINS(error_of(g.bytes), "key 'general.alignment' is " + std::to_string(bad) +
                                           ", expected a non-zero power of two");
  }
  RawGguf str;
  str.header(0, 1).kv_str("general.alignment", "64");
  EXPECT_CONTAINS(error_of(str.bytes), "key 'general.alignment' has type STRING, expected UINT32");

  RawGguf g64;
  g64.header(1, 1).kv_u32("general.alignment", 64).tensor_info("w", {8}, kF32, 0).pad(64).zeros(32);
  auto f = GgufFile::from_memory(g64.bytes);
  ASSERT_TRUE(f.is_ok()) << f.message();
  EXPECT_EQ((*f)->alignment(), 64u);
  EXPECT_EQ((*f)->data_offset(), 128u);
  RawGguf misaligned;
  misaligned.header(1, 1).kv_u32("general.alignment", 64).tensor_info("w", {8}, kF32, 32)
      .pad(64).zeros(128);
  EXPECT_CONTAINS(error_of(misaligned.bytes),
                  "tensor 'w' data offset 32 is not a multiple of the alignment 64");
}

TEST(MalformedFile, TensorShapesAndTypes) {
  EXPECT_CONTAINS(error_of(one_tensor_file({1, 1, 1, 1, 1}).bytes),
                  "tensor 'w' has 5 dimensions, expected 1 to 4");
  EXPECT_CONTAINS(error_of(one_tensor_file({}).bytes), "tensor 'w' has 0 dimensions");
  EXPECT_CONTAINS(error_of(one_tensor_file({8, 0}).bytes),
                  "tensor 'w' has shape [8, 0] with a zero dimension");
  EXPECT_CONTAINS(error_of(one_tensor_file({1ull << 32, 1ull << 32}).bytes),
                  "element count overflows");
  EXPECT_CONTAINS(error_of(one_tensor_file({100, 2}, kQ4_K).bytes),
                  "tensor 'w' has rows of 100 elements, not a multiple of Q4_K's block size 256");
  EXPECT_CONTAINS(error_of(one_tensor_file({8}, kF32, 7).bytes),
                  "tensor 'w' data offset 7 is not a multiple of the alignment 32");
  EXPECT_CONTAINS(error_of(one_tensor_file({8}, kF32, 64).bytes),
                  "tensor 'w' starts at byte");
  EXPECT_CONTAINS(error_of(one_tensor_file({16}, kF32).bytes),
                  "tensor 'w' ends at byte 192 but the file has 160 bytes: incomplete download "
                  "or corrupt file?");
  EXPECT_CONTAINS(error_of(one_tensor_file({8}, kF32, ~uint64_t{31}).bytes), "2^64+");

  RawGguf dup;
  dup.header(2, 0).tensor_info("w", {8}, kF32, 0).tensor_info("w", {8}, kF32, 32).pad(32);
  dup.zeros(64);
  EXPECT_CONTAINS(error_of(dup.bytes), "tensor 'w' appears twice (tensors #0 and #1)");
}

TEST(MalformedFile, UnknownTensorTypeStillOpens) {
  auto f = GgufFile::from_memory(one_tensor_file({8}, 123).bytes);
  ASSERT_TRUE(f.is_ok()) << f.message();
  const TensorInfo& t = (*f)->tensors().at(0);
  EXPECT_FALSE(t.known_type);
  EXPECT_EQ(t.type_id, 123u);
  EXPECT_EQ(t.data, nullptr);
  EXPECT_EQ(t.nbytes, 0u);
  EXPECT_EQ(t.n_elements, 8u);
}

// Every prefix of a real file that cuts into needed bytes fails cleanly with an error saying
// where; prefixes that only drop trailing padding still parse.
TEST(MalformedFile, TruncationsOfARealFile) {
  const auto full = testing::read_bytes(testing::testdata("models/qwen3-Q4_K_M.gguf"));
  ASSERT_FALSE(full.empty());
  auto whole = GgufFile::from_memory(full);
  ASSERT_TRUE(whole.is_ok()) << whole.message();
  const GgufFile& ref = **whole;
  uint64_t needed = 0;  // bytes a prefix must keep to parse
  for (const auto& t : ref.tensors()) {
    needed = std::max(needed, ref.data_offset() + t.offset + t.nbytes);
  }
  std::vector<uint64_t> cuts;
  for (uint64_t c = 0; c < 600; ++c) cuts.push_back(c);  // header and the first keys
  for (uint64_t c = 600; c < ref.data_offset() + 64; c += 97) cuts.push_back(c);
  for (uint64_t c = ref.data_offset(); c < full.size(); c += full.size() / 50) cuts.push_back(c);
  cuts.push_back(needed - 1);
  cuts.push_back(needed);
  // Each error says what it was reading.
  auto names_something = [](const std::string& m) {
    for (const char* what : {"header", "key #", "key '", "tensor #", "tensor '", "too small"}) {
      if (m.find(what) != std::string::npos) return true;
    }
    return false;
  };
  for (uint64_t cut : cuts) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    std::vector<uint8_t> prefix(full.begin(), full.begin() + cut);
    auto f = GgufFile::from_memory(prefix, "cut.gguf");
    if (cut >= needed) {
      EXPECT_TRUE(f.is_ok()) << f.message();
      continue;
    }
    ASSERT_FALSE(f.is_ok());
    EXPECT_EQ(f.message().rfind("cut.gguf: ", 0), 0u) << f.message();
    EXPECT_TRUE(names_something(f.message())) << f.message();
    if (cut >= ref.data_offset()) {
      EXPECT_CONTAINS(f.message(), "incomplete download");
    }
  }
}

// Flipping bytes of the header region never crashes; most flips give errors.
TEST(MalformedFile, ByteFlipsInTheHeaderRegion) {
  const auto full = testing::read_bytes(testing::testdata("real/stories260K.gguf"));
  auto whole = GgufFile::from_memory(full);
  ASSERT_TRUE(whole.is_ok()) << whole.message();
  const uint64_t header_end = (*whole)->data_offset();
  std::vector<uint8_t> copy = full;
  int failures = 0;
  for (uint64_t at = 0; at < header_end; at += 13) {
    copy[at] ^= 0xff;
    auto f = GgufFile::from_memory(copy, "flip.gguf");
    copy[at] ^= 0xff;
    if (f.is_ok()) continue;
    ++failures;
    EXPECT_EQ(f.message().rfind("flip.gguf: ", 0), 0u) << f.message();
  }
  EXPECT_GT(failures, 0);
}

TEST(MalformedFile, OpenErrors) {
  auto missing = GgufFile::open("/nonexistent/dir/model.gguf");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_CONTAINS(missing.message(), "cannot open '/nonexistent/dir/model.gguf'");
  auto dir = GgufFile::open(testing::testdata("models"));
  ASSERT_FALSE(dir.is_ok());
  EXPECT_CONTAINS(dir.message(), "is not a regular file");

  const auto tmp = std::filesystem::temp_directory_path() /
                   ("hearth_gguf_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(tmp);
  const std::string empty = (tmp / "empty.gguf").string();
  std::ofstream(empty).close();
  auto e = GgufFile::open(empty);
  ASSERT_FALSE(e.is_ok());
  EXPECT_CONTAINS(e.message(), "is empty (0 bytes)");

  const std::string cut = (tmp / "cut.gguf").string();
  auto bytes = one_tensor_file().bytes;
  bytes.resize(bytes.size() - 1);
  std::ofstream(cut, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                            static_cast<std::streamsize>(bytes.size()));
  auto c = GgufFile::open(cut);
  ASSERT_FALSE(c.is_ok());
  EXPECT_CONTAINS(c.message(), cut + ": tensor 'w' ends at byte 160 but the file has 159 bytes");
  std::filesystem::remove_all(tmp);
}

}  // namespace
}  // namespace hearth::gguf

// `hearth tokenize` end to end: batch mode reproduces the reference .out files, single-text
// mode adds BOS/EOS per metadata, errors exit 1. Needs the built `hearth` binary.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "tokenizer_test_util.h"

namespace hearth {
namespace {

using tokenizer_testing::load_tokenizer;
using tokenizer_testing::read_text_file;
using tokenizer_testing::testdata;

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout only
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

RunResult run(const std::string& args) {
  RunResult r;
  const std::string cmd = quote(HEARTH_BINARY) + " tokenize " + args + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class TokenizeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(HEARTH_BINARY)) {
      GTEST_SKIP() << HEARTH_BINARY << " is not built (build the 'hearth' target)";
    }
  }
};

TEST_F(TokenizeCli, BatchModeWritesTheReferenceOutFile) {
  for (const char* vocab : {"ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf",
                            "ggml-vocab-bert-bge.gguf"}) {
    const std::string path = testdata(std::string("tokenizer/") + vocab);
    const RunResult r = run(quote(path) + " --batch " + quote(path + ".inp"));
    EXPECT_EQ(r.exit_code, 0) << vocab;
    EXPECT_EQ(r.out, read_text_file(path + ".out")) << vocab;
  }
}

TEST_F(TokenizeCli, SingleTextAddsSpecialTokensUnlessAsked) {
  const std::string model = testdata("models/llama-spm-F16.gguf");
  const Tokenizer* tok = load_tokenizer(model);
  ASSERT_NE(tok, nullptr);
  const auto line = [](const std::vector<TokenId>& ids) {
    return fmt::format("{}\n", fmt::join(ids, " "));
  };
  RunResult r = run(quote(model) + " 'Hello world'");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, line(tok->encode("Hello world", true, false)));
  EXPECT_EQ(r.out.substr(0, 2), "1 ");  // BOS
  r = run(quote(model) + " --no-special 'Hello world'");
  EXPECT_EQ(r.out, line(tok->encode("Hello world", false, false)));
  const std::string input = testdata("tokenizer/ggml-vocab-llama-spm.gguf.inp");
  r = run("--no-special --stdin " + quote(model) + " < " + quote(input));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, line(tok->encode(read_text_file(input), false, false)));
}

TEST_F(TokenizeCli, SpecialTextIsParsedOnlyWithParseSpecial) {
  const std::string model = testdata("models/qwen3-F16.gguf");
  const Tokenizer* tok = load_tokenizer(model);
  ASSERT_NE(tok, nullptr);
  const std::string im_end = std::to_string(tok->find_token("<|im_end|>"));
  EXPECT_NE(run(quote(model) + " 'hi<|im_end|>' --parse-special").out.find(" " + im_end + "\n"),
            std::string::npos);
  EXPECT_EQ(run(quote(model) + " 'hi<|im_end|>'").out.find(im_end), std::string::npos);
}

TEST_F(TokenizeCli, ErrorsExitWithOne) {
  EXPECT_EQ(run("/nonexistent/model.gguf hello").exit_code, 1);
  const std::string model = quote(testdata("models/qwen3-F16.gguf"));
  EXPECT_EQ(run(model).exit_code, 1);                      // no text
  EXPECT_EQ(run(model + " hello --stdin").exit_code, 1);   // two texts
  EXPECT_EQ(run(model + " --batch /nonexistent.inp").exit_code, 1);
  EXPECT_EQ(run(quote(testdata("real/stories260K-gguf-v1.gguf")) + " hi").exit_code, 1);
}

}  // namespace
}  // namespace hearth

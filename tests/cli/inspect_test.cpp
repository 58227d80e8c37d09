// End to end: `hearth inspect MODEL --json` against gguf-py's dumps in models-meta/.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

namespace {

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

CommandResult run_command(const std::string& command) {
  CommandResult r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) r.output.append(buf, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string testdata(const std::string& rel) { return std::string(HEARTH_TESTDATA) + "/" + rel; }

// Tensor count, parameter count and key count from a gguf_dump text file.
struct DumpTotals {
  uint64_t tensors = 0, parameters = 0, keys = 0;
};

DumpTotals read_dump_totals(const std::string& path) {
  std::ifstream in(path);
  DumpTotals t;
  bool in_tensors = false;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("* Dumping ", 0) == 0) {
      in_tensors = line.find("tensor(s)") != std::string::npos;
      if (!in_tensors) t.keys = std::strtoull(line.c_str() + 10, nullptr, 10) - 3;  // GGUF.*
      continue;
    }
    const size_t colon = line.find(": ");
    if (!in_tensors || colon == std::string::npos) continue;
    ++t.tensors;
    t.parameters += std::strtoull(line.c_str() + colon + 2, nullptr, 10);
  }
  return t;
}

TEST(InspectCommand, JsonMatchesTheReferenceDump) {
  for (const std::string stem : {"qwen3moe-Q4_K_M", "gpt-oss-MXFP4_MOE", "llama-spm-F32"}) {
    SCOPED_TRACE(stem);
    const DumpTotals ref = read_dump_totals(testdata("models-meta/" + stem + ".txt"));
    ASSERT_GT(ref.tensors, 0u);
    const std::string model = testdata("models/" + stem + ".gguf");
    auto r = run_command(std::string(HEARTH_BINARY) + " inspect --json '" + model + "'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto j = nlohmann::json::parse(r.output);
    EXPECT_EQ(j["parameter_count"].get<uint64_t>(), ref.parameters);
    EXPECT_EQ(j["tensor_count"].get<uint64_t>(), ref.tensors);
    EXPECT_EQ(j["tensors"].size(), ref.tensors);
    EXPECT_EQ(j["metadata"].size(), ref.keys);
    EXPECT_EQ(j["version"], 3);
    uint64_t bytes = 0;
    for (const auto& [type, per] : j["bytes_per_type"].items()) {
      bytes += per["bytes"].get<uint64_t>();
    }
    EXPECT_EQ(bytes, j["tensor_bytes"].get<uint64_t>());
    EXPECT_LE(j["tensor_bytes"].get<uint64_t>(), j["file_size"].get<uint64_t>());
    // Long arrays are abbreviated but keep their count.
    const auto& tokens = j["metadata"]["tokenizer.ggml.tokens"];
    EXPECT_EQ(tokens["elem_type"], "STRING");
    EXPECT_GT(tokens["count"].get<uint64_t>(), 100u);
    EXPECT_EQ(tokens["value"].size(), 8u);
    EXPECT_TRUE(tokens["truncated"].get<bool>());
  }
}

TEST(InspectCommand, TextShowsTotalsAndTheTensorTable) {
  const std::string model = testdata("models/qwen3moe-Q4_K_M.gguf");
  const DumpTotals ref = read_dump_totals(testdata("models-meta/qwen3moe-Q4_K_M.txt"));
  auto r = run_command(std::string(HEARTH_BINARY) + " inspect '" + model + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("GGUF v3"), std::string::npos);
  EXPECT_NE(r.output.find("blk.1.ffn_up_exps.weight"), std::string::npos);
  EXPECT_NE(r.output.find(std::to_string(ref.parameters) + " parameters"), std::string::npos)
      << r.output;
}

TEST(InspectCommand, BadFilesExitOneWithTheReason) {
  auto v1 = run_command(std::string(HEARTH_BINARY) + " inspect '" +
                        testdata("real/stories260K-gguf-v1.gguf") + "' 2>&1 >/dev/null");
  EXPECT_EQ(v1.exit_code, 1);
  EXPECT_NE(v1.output.find("GGUF version 1 is obsolete"), std::string::npos) << v1.output;
  auto missing =
      run_command(std::string(HEARTH_BINARY) + " inspect /nonexistent.gguf --json 2>&1");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("cannot open '/nonexistent.gguf'"), std::string::npos)
      << missing.output;
}

}  // namespace

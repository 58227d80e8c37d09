// Every golden file (except gpt-oss, not supported yet) and the real models' goldens, checked
// with the same library `hearth verify` uses: tokens, positions, greedy, embeddings.
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "model/golden.h"
#include "model/model.h"

namespace hearth {
namespace {

namespace fs = std::filesystem;

struct GoldenPair {
  std::string name;    // test name
  std::string model;   // .gguf path
  std::string golden;  // .json path
};

std::vector<GoldenPair> all_goldens() {
  std::vector<GoldenPair> pairs;
  const fs::path root(HEARTH_TESTDATA);
  for (const auto& entry : fs::directory_iterator(root / "golden")) {
    const std::string stem = entry.path().stem().string();
    if (stem.rfind("gpt-oss", 0) == 0) continue;  // gpt-oss is not supported yet
    pairs.push_back({stem, (root / "models" / (stem + ".gguf")).string(), entry.path().string()});
  }
  for (const auto& entry : fs::directory_iterator(root / "real")) {
    const std::string file = entry.path().filename().string();
    const std::string suffix = ".golden.json";
    if (file.size() <= suffix.size() || file.substr(file.size() - suffix.size()) != suffix) continue;
    const std::string stem = file.substr(0, file.size() - suffix.size());
    pairs.push_back({"real_" + stem, (root / "real" / (stem + ".gguf")).string(),
                     entry.path().string()});
  }
  std::sort(pairs.begin(), pairs.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return pairs;
}

class GoldenTest : public ::testing::TestWithParam<GoldenPair> {};

TEST_P(GoldenTest, MatchesReference) {
  const GoldenPair& p = GetParam();
  auto model = Model::load(p.model);
  ASSERT_TRUE(model.is_ok()) << model.message();
  auto golden = load_golden(p.golden);
  ASSERT_TRUE(golden.is_ok()) << golden.message();
  auto report = verify_golden(**model, *golden);
  ASSERT_TRUE(report.is_ok()) << report.message();
  EXPECT_TRUE(report->pass()) << format_report(*report);
  // Recorded for the lead's table (ctest -V shows it).
  RecordProperty("max_dlogit", fmt::format("{:.4f}", report->max_dlogit));
  std::printf("%s", format_report(*report).c_str());
}

std::string test_name(const ::testing::TestParamInfo<GoldenPair>& info) {
  std::string s = info.param.name;
  for (char& ch : s) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return s;
}

INSTANTIATE_TEST_SUITE_P(AllGoldens, GoldenTest, ::testing::ValuesIn(all_goldens()), test_name);

}  // namespace
}  // namespace hearth

// Renders every case in testdata/templates/*.cases.json (68 real chat templates, expected output
// from Python jinja2 as transformers configures it) and compares byte for byte.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "chat/chat_template.h"

namespace hearth::chat {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

const fs::path kTemplates = fs::path(HEARTH_TESTDATA) / "templates";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> case_files() {
  std::vector<std::string> names;
  if (!fs::exists(kTemplates)) return names;
  for (const auto& e : fs::directory_iterator(kTemplates)) {
    const std::string name = e.path().filename().string();
    const std::string suffix = ".cases.json";
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The context README.md prescribes: `context` minus strftime_now, then extra, then messages,
// tools, documents (None unless given) and add_generation_prompt.
ojson case_context(const ojson& file, const ojson& c) {
  ChatContextInput input;
  for (const auto& [k, v] : file["context"].items()) {
    if (k != "strftime_now") input.special_tokens[k] = v;
  }
  if (c.contains("extra")) input.extra = c["extra"];
  input.messages = c["messages"];
  input.tools = c.contains("tools") ? c["tools"] : ojson(nullptr);
  input.documents = c.contains("documents") ? c["documents"] : ojson(nullptr);
  input.add_generation_prompt = c.value("add_generation_prompt", false);
  return build_chat_context(input);
}

struct Tally {
  int passed = 0;
  int total = 0;
};

Tally& tally() {
  static Tally t;
  return t;
}

class TemplateCases : public ::testing::TestWithParam<std::string> {};

TEST_P(TemplateCases, RendersLikeTransformers) {
  const ojson file = ojson::parse(read_file(kTemplates / GetParam()));
  const std::string tmpl_name = file["template"].get<std::string>();
  auto tmpl = ChatTemplate::parse(read_file(kTemplates / tmpl_name));
  ASSERT_TRUE(tmpl.is_ok()) << tmpl_name << ": " << tmpl.message();

  RenderOptions options;
  const auto clock = parse_clock(file["context"].value("strftime_now", "2026-01-15"));
  ASSERT_TRUE(clock.has_value());
  options.now = clock;

  for (const auto& c : file["cases"]) {
    const std::string name = c["name"].get<std::string>();
    SCOPED_TRACE(tmpl_name + " / " + name);
    ++tally().total;
    const auto result = tmpl->render_detailed(case_context(file, c), options);
    if (c.contains("expected")) {
      const auto* text = std::get_if<std::string>(&result);
      ASSERT_NE(text, nullptr) << "unexpected error: " << std::get<TemplateError>(result).to_string();
      EXPECT_EQ(*text, c["expected"].get<std::string>());
      if (*text == c["expected"].get<std::string>()) ++tally().passed;
      continue;
    }
    const auto* err = std::get_if<TemplateError>(&result);
    ASSERT_NE(err, nullptr) << "rendered instead of failing with " << c["expected_error"];
    const std::string type = c.value("error_type", "");
    if (type == "TemplateError") {
      EXPECT_EQ(err->kind, TemplateErrorKind::kRaised);
      EXPECT_EQ(err->message, c["expected_error"].get<std::string>());
    } else if (type == "SecurityError") {
      EXPECT_EQ(err->kind, TemplateErrorKind::kSecurity) << err->to_string();
    } else if (type == "TypeError") {
      EXPECT_EQ(err->kind, TemplateErrorKind::kType) << err->to_string();
    }
    ++tally().passed;
  }
}

std::string param_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = info.param.substr(0, info.param.size() - std::string(".cases.json").size());
  for (char& ch : s) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return s;
}

INSTANTIATE_TEST_SUITE_P(AllTemplates, TemplateCases, ::testing::ValuesIn(case_files()), param_name);

// Runs after the parameterised suite (gtest keeps registration order within the binary when
// run as one process) and reports the overall count; under ctest it checks discovery instead.
TEST(TemplateCasesSummary, AllCaseFilesFound) {
  const auto files = case_files();
  EXPECT_GE(files.size(), 68u) << "missing test data in " << kTemplates;
  if (tally().total > 0) {
    std::printf("[chat] template cases passed: %d / %d\n", tally().passed, tally().total);
    EXPECT_EQ(tally().passed, tally().total);
  }
}

}  // namespace
}  // namespace hearth::chat

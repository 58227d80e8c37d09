// Renders every case in testdata/templates/*.cases.json (68 real chat templates, expected output
// from Python jinja2 as transformers configures it) and compares byte for byte.
#include <algorithm>
#include <cstdio>
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

// Renders every case of one .cases.json; counts the cases that match. With `report`, each
// mismatch is also a test failure.
void run_case_file(const std::string& file_name, bool report, int* passed, int* total) {
  const ojson file = ojson::parse(read_file(kTemplates / file_name));
  const std::string tmpl_name = file["template"].get<std::string>();
  auto tmpl = ChatTemplate::parse(read_file(kTemplates / tmpl_name));
  if (report) {
    EXPECT_TRUE(tmpl.is_ok()) << tmpl_name << ": " << tmpl.message();
  }
  RenderOptions options;
  options.now = parse_clock(file["context"].value("strftime_now", "2026-01-15"));
  if (report) {
    EXPECT_TRUE(options.now.has_value());
  }
  for (const auto& c : file["cases"]) {
    ++*total;
    if (!tmpl.is_ok()) continue;
    SCOPED_TRACE(tmpl_name + " / " + c["name"].get<std::string>());
    const auto result = tmpl->render_detailed(case_context(file, c), options);
    const auto* text = std::get_if<std::string>(&result);
    const auto* err = std::get_if<TemplateError>(&result);
    bool ok;
    if (c.contains("expected")) {
      ok = text && *text == c["expected"].get<std::string>();
      if (report && err) {
        ADD_FAILURE() << "unexpected error: " << err->to_string();
      }
      if (report && text) {
        EXPECT_EQ(*text, c["expected"].get<std::string>());
      }
    } else {
      // TemplateError: raise_exception with this exact message. SecurityError / TypeError: the
      // render only has to fail (README); we also check the kind.
      const std::string type = c.value("error_type", "");
      const auto want = type == "TemplateError"   ? TemplateErrorKind::kRaised
                        : type == "SecurityError" ? TemplateErrorKind::kSecurity
                                                  : TemplateErrorKind::kType;
      ok = err && err->kind == want && (type != "TemplateError" || err->message == c["expected_error"].get<std::string>());
      if (report) {
        EXPECT_TRUE(ok) << "expected " << type << ": " << c["expected_error"] << ", got "
                        << (err ? err->to_string() : "a rendering: " + *text);
      }
    }
    *passed += ok ? 1 : 0;
  }
}

class TemplateCases : public ::testing::TestWithParam<std::string> {};

TEST_P(TemplateCases, RendersLikeTransformers) {
  int passed = 0, total = 0;
  run_case_file(GetParam(), true, &passed, &total);
  EXPECT_GT(total, 0);
}

std::string param_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = info.param.substr(0, info.param.size() - std::string(".cases.json").size());
  for (char& ch : s) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return s;
}

INSTANTIATE_TEST_SUITE_P(AllTemplates, TemplateCases, ::testing::ValuesIn(case_files()), param_name);

// All case files at once, for the overall count (the per-file tests above say which failed).
TEST(TemplateCasesSummary, EveryCaseOfEveryTemplatePasses) {
  const auto files = case_files();
  EXPECT_GE(files.size(), 68u) << "missing test data in " << kTemplates;
  int passed = 0, total = 0;
  for (const auto& f : files) run_case_file(f, false, &passed, &total);
  std::printf("[chat] template cases passed: %d / %d (%zu templates)\n", passed, total, files.size());
  EXPECT_EQ(passed, total);
  EXPECT_GT(total, 0);
}

}  // namespace
}  // namespace hearth::chat

// End to end: `hearth template FILE --vars VARS [--now DATE]` against the reference renderings in
// testdata/templates (Python jinja2 as transformers configures it).
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/hearth_process.h"

namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;
using hearth::test::run_hearth;
using hearth::test::ScratchDir;

const fs::path kTemplates = fs::path(HEARTH_TESTDATA) / "templates";

// The variables README.md prescribes for a case: context minus strftime_now, extra, messages,
// tools, documents, add_generation_prompt.
ojson case_vars(const ojson& file, const ojson& c) {
  ojson vars = ojson::object();
  for (const auto& [k, v] : file["context"].items()) {
    if (k != "strftime_now") vars[k] = v;
  }
  for (const auto& [k, v] : c["extra"].items()) vars[k] = v;
  vars["messages"] = c["messages"];
  vars["tools"] = c.contains("tools") ? c["tools"] : ojson(nullptr);
  vars["documents"] = c.contains("documents") ? c["documents"] : ojson(nullptr);
  vars["add_generation_prompt"] = c["add_generation_prompt"];
  return vars;
}

ojson load_cases(const std::string& name) {
  std::ifstream in(kTemplates / (name + ".cases.json"));
  return ojson::parse(in);
}

fs::path write_file(const fs::path& dir, const std::string& name, const std::string& text) {
  const fs::path p = dir / name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

TEST(TemplateCommand, PrintsTheRenderingExactly) {
  ScratchDir scratch("hearth_template_ok");
  // Llama 3.2 reads the clock (strftime_now) and every case ends without a newline.
  const ojson file = load_cases("meta-llama-Llama-3.2-3B-Instruct");
  int checked = 0;
  for (const auto& c : file["cases"]) {
    if (!c.contains("expected")) continue;
    SCOPED_TRACE(c["name"].get<std::string>());
    const fs::path vars = write_file(scratch.path(), "vars.json", case_vars(file, c).dump());
    const auto r = run_hearth({"template", (kTemplates / file["template"].get<std::string>()).string(), "--vars",
                               vars.string(), "--now", "2026-01-15"},
                              scratch.path());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, c["expected"].get<std::string>());  // byte for byte, nothing appended
    EXPECT_EQ(r.err, "");
    ++checked;
  }
  EXPECT_GE(checked, 4);
}

TEST(TemplateCommand, TemplateErrorGoesToStderrWithExitOne) {
  ScratchDir scratch("hearth_template_err");
  const ojson file = load_cases("google-gemma-2-2b-it");
  bool found = false;
  for (const auto& c : file["cases"]) {
    if (!c.contains("expected_error")) continue;
    found = true;
    const fs::path vars = write_file(scratch.path(), "vars.json", case_vars(file, c).dump());
    const auto r = run_hearth({"template", (kTemplates / file["template"].get<std::string>()).string(), "--vars", vars.string()},
                              scratch.path());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find(c["expected_error"].get<std::string>()), std::string::npos) << r.err;
    break;
  }
  EXPECT_TRUE(found);
}

TEST(TemplateCommand, SyntaxErrorsAndBadArgumentsFail) {
  ScratchDir scratch("hearth_template_bad");
  const fs::path vars = write_file(scratch.path(), "vars.json", R"({"name": "x"})");
  const fs::path broken = write_file(scratch.path(), "broken.jinja", "ok\n{% if name %}\n");
  auto r = run_hearth({"template", broken.string(), "--vars", vars.string()}, scratch.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 2"), std::string::npos) << r.err;

  const fs::path good = write_file(scratch.path(), "good.jinja", "{{ name }}|{{ strftime_now('%d %B %Y') }}\n");
  r = run_hearth({"template", good.string(), "--vars", vars.string(), "--now", "2026-13-01"}, scratch.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--now"), std::string::npos) << r.err;

  r = run_hearth({"template", (scratch.path() / "missing.jinja").string(), "--vars", vars.string()}, scratch.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing.jinja"), std::string::npos) << r.err;
  r = run_hearth({"template", good.string(), "--vars", (scratch.path() / "missing.json").string()}, scratch.path());
  EXPECT_EQ(r.exit_code, 1);

  const fs::path not_object = write_file(scratch.path(), "list.json", "[1, 2]");
  r = run_hearth({"template", good.string(), "--vars", not_object.string()}, scratch.path());
  EXPECT_EQ(r.exit_code, 1);

  // The trailing newline of the template source is dropped, as jinja2 does.
  r = run_hearth({"template", good.string(), "--vars", vars.string(), "--now", "2026-01-15"}, scratch.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "x|15 January 2026");
}

TEST(TemplateCommand, HelpDescribesTheOptions) {
  ScratchDir scratch("hearth_template_help");
  const auto r = run_hearth({"template", "--help"}, scratch.path());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--vars"), std::string::npos);
  EXPECT_NE(r.out.find("--now"), std::string::npos);
}

}  // namespace

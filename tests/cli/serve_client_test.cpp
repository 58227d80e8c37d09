// End-to-end: `hearth serve` driven by the official OpenAI npm client (scripts/test-server.sh,
// registered here so ctest runs it), and `hearth chat` fed from stdin.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hearth_process.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace hearth {
namespace {

const std::filesystem::path kRepo = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();

TEST(ServeClient, OpenAiNpmClient) {
  test::ScratchDir scratch("hearth_serve_client");
  const auto log = scratch.path() / "log.txt";
  std::string cmd = "HEARTH_TESTDATA=" + test::shell_quote(HEARTH_TESTDATA) + " bash ";
  cmd.append(test::shell_quote((kRepo / "scripts" / "test-server.sh").string()));
  cmd.append(" ").append(test::shell_quote(HEARTH_BINARY));
  cmd.append(" > ").append(test::shell_quote(log.string())).append(" 2>&1 < /dev/null");
  const int status = std::system(cmd.c_str());
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  const std::string output = test::slurp(log);
  if (code == 77) GTEST_SKIP() << output;
  EXPECT_EQ(code, 0) << output;
  EXPECT_NE(output.find("checks passed"), std::string::npos) << output;
}

// The reply `hearth chat` should print for the reference chat case: greedy, stopped at the
// end-of-generation token or after max_tokens.
std::string expected_reply(const Model& model, const std::vector<TokenId>& prompt, int max_tokens) {
  Context ctx(model, 512);
  EXPECT_TRUE(ctx.eval(prompt).is_ok());
  StreamingDetokenizer detok(model.tokenizer(), {.render_special = false, .strip_leading_space = false});
  std::string text;
  for (int i = 0; i < max_tokens; ++i) {
    const auto logits = ctx.logits();
    TokenId best = 0;
    for (size_t t = 1; t < logits.size(); ++t) {
      if (logits[t] > logits[best]) best = static_cast<TokenId>(t);
    }
    if (model.tokenizer().is_end_of_generation(best)) break;
    text += detok.push(best);
    const TokenId one[] = {best};
    if (i + 1 < max_tokens) {
      EXPECT_TRUE(ctx.eval(one).is_ok());
    }
  }
  return text + detok.flush();
}

TEST(ChatCommand, RendersTheTemplateAndRepliesPerLine) {
  const std::string stem = "qwen3-F16";
  const std::string path = std::string(HEARTH_TESTDATA) + "/models/" + stem + ".gguf";
  std::ifstream in(std::string(HEARTH_TESTDATA) + "/golden/" + stem + ".json");
  const auto golden = nlohmann::json::parse(in);
  nlohmann::json chat_case;
  for (const auto& c : golden["cases"]) {
    if (c.value("chat", false)) chat_case = c;
  }
  ASSERT_FALSE(chat_case.is_null());
  const std::string system = chat_case["messages"][0]["content"];
  const std::string user = chat_case["messages"][1]["content"];

  test::ScratchDir scratch("hearth_chat_cli");
  const auto input = scratch.path() / "input.txt";
  std::ofstream(input) << user << "\n/reset\n" << user << "\n";
  const auto out = scratch.path() / "out.txt", err = scratch.path() / "err.txt";
  std::string cmd = test::shell_quote(HEARTH_BINARY);
  const std::vector<std::string> args = {"chat", path, "-s", system, "--temp", "0", "-n", "12"};
  for (const std::string& a : args) {
    cmd.append(" ").append(test::shell_quote(a));
  }
  cmd.append(" < ").append(test::shell_quote(input.string()));
  cmd.append(" > ").append(test::shell_quote(out.string()));
  cmd.append(" 2> ").append(test::shell_quote(err.string()));
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << test::slurp(err);

  auto model = Model::load(path);
  ASSERT_TRUE(model.is_ok()) << model.message();
  const std::string reply = expected_reply(**model, chat_case["tokens"].get<std::vector<TokenId>>(), 12);
  // The same turn twice (after /reset): the same greedy reply, one line each.
  EXPECT_EQ(test::slurp(out), reply + "\n" + reply + "\n");
}

TEST(ChatCommand, RefusesAnEncoder) {
  test::ScratchDir scratch("hearth_chat_cli_bert");
  const auto r = test::run_hearth(
      {"chat", std::string(HEARTH_TESTDATA) + "/models/bert-F16.gguf"}, scratch.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("encoder"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace hearth

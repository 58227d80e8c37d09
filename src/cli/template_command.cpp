// cli: `hearth template FILE.jinja --vars VARS.json [--now DATE]`: renders a chat template with
// the given variables, exactly as Hugging Face transformers would, and prints the text as is.
#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "cli/commands.h"

namespace hearth::cli {
namespace {

bool read_file(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

int run_template(const std::string& template_path, const std::string& vars_path, const std::string& now) {
  std::string source, vars_text;
  if (!read_file(template_path, &source)) {
    fmt::print(stderr, "hearth template: cannot read template '{}'\n", template_path);
    return 1;
  }
  nlohmann::ordered_json vars = nlohmann::ordered_json::object();
  if (!vars_path.empty()) {
    if (!read_file(vars_path, &vars_text)) {
      fmt::print(stderr, "hearth template: cannot read variables file '{}'\n", vars_path);
      return 1;
    }
    vars = nlohmann::ordered_json::parse(vars_text, nullptr, false);
    if (vars.is_discarded() || !vars.is_object()) {
      fmt::print(stderr, "hearth template: '{}' is not a JSON object of template variables\n", vars_path);
      return 1;
    }
  }
  chat::RenderOptions options;
  if (!now.empty()) {
    options.now = chat::parse_clock(now);
    if (!options.now) {
      fmt::print(stderr, "hearth template: --now '{}' is not a date (YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)\n", now);
      return 1;
    }
  }
  auto tmpl = chat::ChatTemplate::parse(std::move(source));
  if (!tmpl.is_ok()) {
    fmt::print(stderr, "{}: {}\n", template_path, tmpl.message());
    return 1;
  }
  auto text = tmpl->render(vars, options);
  if (!text.is_ok()) {
    fmt::print(stderr, "{}\n", text.message());
    return 1;
  }
  std::fwrite(text->data(), 1, text->size(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace

void register_template(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand(
      "template",
      "Render a chat template (Jinja) as Hugging Face transformers does and print the result as is "
      "(no trailing newline added). On a template error (e.g. raise_exception) print the message to "
      "stderr and exit 1.");
  auto template_path = std::make_shared<std::string>();
  auto vars_path = std::make_shared<std::string>();
  auto now = std::make_shared<std::string>();
  sub->add_option("file", *template_path, "The chat template, e.g. a model's tokenizer.chat_template saved to a file")
      ->required();
  sub->add_option("--vars", *vars_path,
                  "JSON object used as the template's variables: messages, tools, documents, "
                  "add_generation_prompt, bos_token/eos_token and any extra keys (null is Python None)");
  sub->add_option("--now", *now,
                  "Fix the clock strftime_now() reads: YYYY-MM-DD or 'YYYY-MM-DD HH:MM:SS' "
                  "(default: the current local time)");
  sub->callback([&exit_code, template_path, vars_path, now] { exit_code = run_template(*template_path, *vars_path, *now); });
}

}  // namespace hearth::cli

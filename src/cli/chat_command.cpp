// cli: `hearth chat MODEL`: an interactive conversation in the terminal, rendered with the
// model's chat template exactly as the server renders it. Each line read is a user turn; the
// reply streams to stdout. /reset starts over, /exit (or end of input) quits.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <unistd.h>

#include "cli/commands.h"
#include "engine/chat_prompt.h"
#include "engine/engine.h"
#include "kernels/matmul.h"
#include "model/model.h"

namespace hearth::cli {
namespace {

struct ChatArgs {
  std::string model;
  std::string system;
  int32_t n_ctx = 0;
  int32_t max_tokens = 512;
  int threads = 0;
  sampling::SamplingParams sampling;
};

int fail(const std::string& message) {
  fmt::print(stderr, "hearth chat: error: {}\n", message);
  return 1;
}

// Generates one reply; returns its text, or an error for the turn.
Result<std::string> reply(engine::Engine& engine, const engine::ChatPrompt& prompt,
                          const nlohmann::ordered_json& messages, const ChatArgs& a) {
  engine::ChatInput in;
  in.messages = messages;
  auto text = prompt.render(in);
  if (!text.is_ok()) return text.status().with_context("chat template");
  engine::Request r;
  r.prompt = prompt.tokenize(*text);
  r.params.sampling = a.sampling;
  r.params.max_tokens = a.max_tokens;
  engine::Submission sub = engine.submit(std::move(r));
  if (!sub.ok()) return Status::error(sub.message);
  std::string out;
  while (true) {
    auto ev = sub.handle->next(std::chrono::milliseconds(500));
    if (!ev) continue;
    std::fwrite(ev->text.data(), 1, ev->text.size(), stdout);
    std::fflush(stdout);
    out += ev->text;
    if (ev->done()) {
      if (!ev->error.empty()) return Status::error(ev->error);
      if (ev->finish == engine::FinishReason::kLength)
        fmt::print(stderr, "\n[reply cut at {} tokens or the context end]", ev->usage.completion_tokens);
      return out;
    }
  }
}

int chat(const ChatArgs& a) {
  if (a.threads > 0) kernels::set_num_threads(a.threads);
  auto loaded = Model::load(a.model);
  if (!loaded.is_ok()) return fail(loaded.message());
  std::shared_ptr<const Model> model(std::move(loaded).value());
  if (model->config().is_encoder())
    return fail(fmt::format("{} is an encoder ({}): it embeds text but cannot chat", a.model,
                            model->config().arch));
  auto prompt = engine::ChatPrompt::for_model(*model);
  if (!prompt.is_ok()) return fail(prompt.message());
  if (prompt->uses_default_template())
    fmt::print(stderr, "hearth chat: the model has no chat template; using ChatML\n");
  // One slot: every turn extends the previous one, so its cached prefix is reused.
  auto engine = engine::Engine::create(model, {.n_parallel = 1, .n_ctx = a.n_ctx});
  if (!engine.is_ok()) return fail(engine.message());

  const bool interactive = isatty(STDIN_FILENO) != 0;
  if (interactive)
    fmt::print(stderr, "hearth chat: {} (context {}). /reset starts over, /exit quits.\n", a.model,
               (*engine)->n_ctx());
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  if (!a.system.empty()) messages.push_back({{"role", "system"}, {"content", a.system}});
  const size_t n_fixed = messages.size();
  std::string line;
  while (true) {
    if (interactive) fmt::print(stderr, "> ");
    if (!std::getline(std::cin, line) || line == "/exit") break;
    if (line == "/reset") {
      messages.erase(messages.begin() + static_cast<std::ptrdiff_t>(n_fixed), messages.end());
      continue;
    }
    if (line.empty()) continue;
    messages.push_back({{"role", "user"}, {"content", line}});
    auto text = reply(**engine, *prompt, messages, a);
    std::fputs("\n", stdout);
    std::fflush(stdout);
    if (!text.is_ok()) {
      fmt::print(stderr, "hearth chat: {}\n", text.message());
      messages.erase(messages.end() - 1);  // the turn did not happen
      continue;
    }
    messages.push_back({{"role", "assistant"}, {"content", *text}});
  }
  return 0;
}

}  // namespace

void register_chat(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<ChatArgs>();
  auto* sub = app.add_subcommand(
      "chat", "Chat with a model in the terminal (one line per turn; /reset, /exit)");
  sub->add_option("model", a->model, "GGUF model file")->required()->check(CLI::ExistingFile);
  sub->add_option("-s,--system", a->system, "A system message that starts the conversation");
  sub->add_option("-c,--ctx", a->n_ctx, "Context size (default: the model's, at most 4096)")
      ->check(CLI::Range(0, 1 << 20));
  sub->add_option("-n,--max-tokens", a->max_tokens, "Longest reply in tokens")
      ->capture_default_str();
  sub->add_option("--temp", a->sampling.temperature, "Temperature (0: greedy)")->capture_default_str();
  sub->add_option("--top-k", a->sampling.top_k, "Top-k (0: off)")->capture_default_str();
  sub->add_option("--top-p", a->sampling.top_p, "Top-p (1: off)")->capture_default_str();
  sub->add_option("--min-p", a->sampling.min_p, "Min-p (0: off)")->capture_default_str();
  sub->add_option("--repeat-penalty", a->sampling.repeat_penalty, "Repetition penalty (1: off)")
      ->capture_default_str();
  sub->add_option("--seed", a->sampling.seed, "Sampling seed (default: random)");
  sub->add_option("-t,--threads", a->threads, "Kernel threads (default: all cores)");
  sub->callback([&exit_code, a] { exit_code = chat(*a); });
}

}  // namespace hearth::cli

// cli: `hearth eval` (logits, log-sum-exps, top-k and a greedy continuation, the fields of a
// golden case) and `hearth embed` (pooled, L2-normalised embedding of an encoder model).
#include <charconv>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "kernels/matmul.h"
#include "model/evaluation.h"
#include "model/model.h"

namespace hearth::cli {
namespace {

struct EvalCliOptions {
  std::string model;
  std::string tokens;  // "1 2 3" or "1,2,3"
  std::string prompt;
  bool has_tokens = false, has_prompt = false;
  int32_t n_greedy = 16;
  int32_t top_k = 10;
  bool no_special = false;
  bool json = false;
  int threads = 0;
};

Result<std::vector<TokenId>> parse_token_list(const std::string& text) {
  std::vector<TokenId> ids;
  size_t i = 0;
  while (i < text.size()) {
    const char ch = text[i];
    if (ch == ' ' || ch == ',' || ch == '\t' || ch == '\n' || ch == '[' || ch == ']') {
      ++i;
      continue;
    }
    TokenId id = 0;
    const auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), id);
    if (ec != std::errc() || id < 0) {
      return Status::errorf("--tokens: '{}' is not a token id (non-negative integers separated "
                            "by spaces or commas)", text.substr(i, text.find(' ', i) - i));
    }
    ids.push_back(id);
    i = static_cast<size_t>(end - text.data());
  }
  if (ids.empty()) return Status::error("--tokens: no token ids given");
  return ids;
}

// The tokens to evaluate: --tokens as given, or --prompt tokenised as the goldens are
// (special-token text parsed; BOS/EOS added unless --no-special).
Result<std::vector<TokenId>> input_tokens(const Model& model, const EvalCliOptions& opt,
                                          bool tokens_allowed) {
  if (opt.has_tokens + opt.has_prompt != 1 || (!tokens_allowed && opt.has_tokens)) {
    return Status::error(tokens_allowed ? "give exactly one of --tokens and --prompt"
                                        : "--prompt is required");
  }
  if (opt.has_tokens) return parse_token_list(opt.tokens);
  std::vector<TokenId> ids = model.tokenizer().encode(opt.prompt, !opt.no_special, true);
  if (ids.empty()) return Status::error("the prompt gives no tokens");
  return ids;
}

Result<std::unique_ptr<Model>> load_model(const EvalCliOptions& opt) {
  if (opt.threads > 0) kernels::set_num_threads(opt.threads);
  return Model::load(opt.model);
}

void print_human(const Model& model, const EvalResult& r) {
  fmt::print("{} tokens: {}\n", r.tokens.size(), fmt::join(r.tokens, " "));
  fmt::print("{:>5} {:>8} {:>10}  {}\n", "pos", "token", "lse", "top (id logit)");
  for (size_t i = 0; i < r.positions.size(); ++i) {
    const PositionSummary& p = r.positions[i];
    std::string top;
    for (size_t k = 0; k < p.top.size() && k < 5; ++k) {
      top += fmt::format("{} {:.4f}  ", p.top[k].first, p.top[k].second);
    }
    fmt::print("{:>5} {:>8} {:>10.4f}  {}\n", i, r.tokens[i], p.lse, top);
  }
  if (!r.greedy.empty()) {
    std::string text;
    for (TokenId id : r.greedy) text += model.tokenizer().token_to_bytes(id);
    fmt::print("greedy: {}\n", fmt::join(r.greedy, " "));
    fmt::print("greedy text: {}\n", nlohmann::json(text).dump(-1, ' ', false,
                                                            nlohmann::json::error_handler_t::replace));
  }
}

Status run_eval(const EvalCliOptions& opt) {
  if (opt.n_greedy < 0) return Status::error("--greedy must be >= 0");
  if (opt.top_k < 1) return Status::error("--top must be >= 1");
  HEARTH_ASSIGN_OR_RETURN(auto model, load_model(opt));
  if (model->config().is_encoder()) {
    return Status::errorf("{} is an encoder model without logits: use `hearth embed`",
                          model->config().arch);
  }
  HEARTH_ASSIGN_OR_RETURN(std::vector<TokenId> tokens, input_tokens(*model, opt, true));
  EvalOptions options;
  options.n_greedy = opt.n_greedy;
  options.top_k = opt.top_k;
  HEARTH_ASSIGN_OR_RETURN(EvalResult r, evaluate_tokens(*model, tokens, options));
  if (opt.json) {
    fmt::print("{}\n", eval_result_to_json(r).dump());
  } else {
    print_human(*model, r);
  }
  return Status::ok();
}

Status run_embed(const EvalCliOptions& opt) {
  HEARTH_ASSIGN_OR_RETURN(auto model, load_model(opt));
  HEARTH_ASSIGN_OR_RETURN(std::vector<TokenId> tokens, input_tokens(*model, opt, false));
  Context ctx(*model, static_cast<int32_t>(tokens.size()));
  HEARTH_ASSIGN_OR_RETURN(std::vector<float> embedding, ctx.embed(tokens));
  if (opt.json) {
    const nlohmann::ordered_json out = {{"tokens", tokens}, {"embedding", embedding}};
    fmt::print("{}\n", out.dump());
  } else {
    fmt::print("{} tokens: {}\n", tokens.size(), fmt::join(tokens, " "));
    fmt::print("embedding ({} values, L2-normalised):\n{}\n", embedding.size(),
               fmt::join(embedding, " "));
  }
  return Status::ok();
}

void add_common(CLI::App* sub, EvalCliOptions& opt) {
  sub->add_option("model", opt.model, "GGUF model file")->required();
  sub->add_flag("--no-special", opt.no_special,
                "Do not add the BOS/EOS (CLS/SEP) tokens the vocabulary asks for");
  sub->add_flag("--json", opt.json, "Print one JSON object (the fields of a golden case)");
  sub->add_option("-t,--threads", opt.threads, "Worker threads (default: all cores)");
}

}  // namespace

void register_eval(CLI::App& app, int& exit_code) {
  auto eval_opt = std::make_shared<EvalCliOptions>();
  auto* eval = app.add_subcommand(
      "eval",
      "Evaluate a prompt: logits at every position (argmax, log-sum-exp, top-k), the last\n"
      "position's logits and a greedy continuation (one decode step per token; end-of-sequence\n"
      "is not special). With --json, one object with the fields of a golden case:\n"
      "tokens, positions [{argmax, lse, top}], last_logits, greedy, greedy_top2_logits.\n"
      "  hearth eval MODEL --prompt TEXT --json\n"
      "  hearth eval MODEL --tokens \"1 2 3\" --greedy 16 --top 10 --json");
  add_common(eval, *eval_opt);
  CLI::Option* tokens = eval->add_option("--tokens", eval_opt->tokens,
                                         "Token ids to evaluate, e.g. \"1 2 3\"");
  CLI::Option* prompt = eval->add_option(
      "-p,--prompt", eval_opt->prompt,
      "Text to evaluate, tokenised with special tokens added and special-token text parsed");
  eval->add_option("--greedy", eval_opt->n_greedy, "Greedy continuation length (default 16)");
  eval->add_option("--top", eval_opt->top_k, "Top logits listed per position (default 10)");
  eval->callback([eval_opt, tokens, prompt, &exit_code] {
    eval_opt->has_tokens = tokens->count() > 0;
    eval_opt->has_prompt = prompt->count() > 0;
    const Status st = run_eval(*eval_opt);
    if (!st) {
      fmt::print(stderr, "hearth eval: {}\n", st.message());
      exit_code = 1;
    }
  });

  auto embed_opt = std::make_shared<EvalCliOptions>();
  auto* embed = app.add_subcommand(
      "embed",
      "Embed a text with an encoder model (e.g. bert): the pooled (the model's pooling type),\n"
      "L2-normalised final hidden states.\n"
      "  hearth embed MODEL --prompt TEXT --json   prints {\"tokens\": [...], \"embedding\": [...]}");
  add_common(embed, *embed_opt);
  CLI::Option* embed_prompt =
      embed->add_option("-p,--prompt", embed_opt->prompt, "Text to embed")->required();
  embed->callback([embed_opt, embed_prompt, &exit_code] {
    embed_opt->has_prompt = embed_prompt->count() > 0;
    const Status st = run_embed(*embed_opt);
    if (!st) {
      fmt::print(stderr, "hearth embed: {}\n", st.message());
      exit_code = 1;
    }
  });
}

}  // namespace hearth::cli

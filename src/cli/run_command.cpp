// cli: `hearth run`: loads a model, evaluates a prompt and streams a sampled continuation to
// stdout; progress and speed go to stderr.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "kernels/matmul.h"
#include "model/model.h"
#include "model/synth.h"
#include "sampling/sampler.h"
#include "tokenizer/tokenizer.h"

namespace hearth::cli {
namespace {

// Without --ctx: the model's training context, capped so a 128k-context model does not reserve
// a KV cache for 128k tokens to answer a short prompt.
constexpr int32_t kDefaultCtxCap = 4096;

struct RunArgs {
  std::string model;
  std::string prompt;
  int32_t n_predict = 128;  // < 0: until end of generation or context end
  int32_t n_ctx = 0;        // 0: min(training context, kDefaultCtxCap)
  int threads = 0;          // 0: the kernels' default
  bool no_special = false;
  sampling::SamplingParams sampling;
};

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}
double per_second(int64_t n, double seconds) {
  return seconds > 0 ? static_cast<double>(n) / seconds : 0.0;
}

int fail(const std::string& message) {
  fmt::print(stderr, "hearth run: error: {}\n", message);
  return 1;
}

struct Generation {
  int32_t n_tokens = 0;
  std::string stop_reason;
};

// Samples, prints and evaluates tokens until an end-of-generation token, the -n limit or the
// end of the context; stdout is flushed after every token.
Result<Generation> generate(const RunArgs& a, const Model& model, Context& ctx,
                            sampling::Sampler& sampler) {
  const Tokenizer& tok = model.tokenizer();
  // The prompt came before, so the generated text must keep a leading space if it has one.
  StreamingDetokenizer detok(
      tok, StreamingDetokenizerOptions{.render_special = false, .strip_leading_space = false});
  Generation g;
  while (true) {
    if (a.n_predict >= 0 && g.n_tokens >= a.n_predict) {
      g.stop_reason = fmt::format("reached -n {}", a.n_predict);
      break;
    }
    const TokenId id = sampler.sample(ctx.logits());
    if (tok.is_end_of_generation(id)) {
      g.stop_reason = "end-of-generation token";
      break;
    }
    sampler.accept(id);
    ++g.n_tokens;
    const std::string text = detok.push(id);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    const bool last = a.n_predict >= 0 && g.n_tokens >= a.n_predict;
    if (last) continue;  // its logits would not be used
    if (ctx.n_past() >= ctx.n_ctx()) {
      g.stop_reason = fmt::format("context full ({} tokens; --ctx sets the size)", ctx.n_ctx());
      break;
    }
    const TokenId one[] = {id};
    HEARTH_RETURN_IF_ERROR(ctx.eval(one));
  }
  const std::string rest = detok.flush();
  fmt::print(stdout, "{}\n", rest);
  std::fflush(stdout);
  return g;
}

int run(const RunArgs& a) {
  if (auto st = sampling::validate_params(a.sampling); !st.is_ok()) return fail(st.message());
  if (a.threads > 0) kernels::set_num_threads(a.threads);

  fmt::print(stderr, "hearth run: loading {} ...\n", a.model);
  const auto load_start = Clock::now();
  auto loaded = Model::load(a.model);
  if (!loaded) return fail(loaded.message());
  const Model& model = **loaded;
  const ModelConfig& c = model.config();
  fmt::print(stderr, "hearth run: loaded {} '{}' ({} layers, n_embd {}, vocab {}) in {:.2f} s\n",
             c.arch, c.name, c.n_layer, c.n_embd, c.n_vocab, seconds_since(load_start));
  if (synth::has_random_weights(model.file()))
    fmt::print(
        stderr,
        "hearth run: note: this model has RANDOM WEIGHTS (hearth synth): expect gibberish\n");
  if (c.is_encoder())
    return fail(fmt::format(
        "{} is an encoder ({}): it embeds text but does not generate it (use `hearth embed`)",
        a.model, c.arch));

  const std::vector<TokenId> prompt =
      model.tokenizer().encode(a.prompt, /*add_special=*/true, !a.no_special);
  if (prompt.empty()) return fail("the prompt gives no tokens: give a non-empty -p");
  const int32_t n_ctx = a.n_ctx > 0 ? a.n_ctx : std::min(c.n_ctx_train, kDefaultCtxCap);
  if (static_cast<int64_t>(prompt.size()) >= n_ctx)
    return fail(
        fmt::format("the prompt has {} tokens but the context holds {}: shorten it or raise --ctx",
                    prompt.size(), n_ctx));

  Context ctx(model, n_ctx);
  sampling::Sampler sampler(a.sampling);
  sampler.accept(prompt);
  fmt::print(stderr, "hearth run: context {}, seed {}, temp {}, top-k {}, top-p {}, min-p {}\n",
             n_ctx, sampler.seed(), a.sampling.temperature, a.sampling.top_k, a.sampling.top_p,
             a.sampling.min_p);

  const auto prompt_start = Clock::now();
  if (auto st = ctx.eval(prompt); !st.is_ok()) return fail(st.message());
  const double prompt_seconds = seconds_since(prompt_start);

  const auto gen_start = Clock::now();
  auto gen = generate(a, model, ctx, sampler);
  const double gen_seconds = seconds_since(gen_start);
  if (!gen) return fail(gen.message());

  fmt::print(stderr, "hearth run: prompt: {} tokens in {:.3f} s ({:.1f} tok/s)\n", prompt.size(),
             prompt_seconds, per_second(static_cast<int64_t>(prompt.size()), prompt_seconds));
  fmt::print(stderr, "hearth run: generated: {} tokens in {:.3f} s ({:.1f} tok/s); stopped: {}\n",
             gen->n_tokens, gen_seconds, per_second(gen->n_tokens, gen_seconds), gen->stop_reason);
  return 0;
}

}  // namespace

void register_run(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<RunArgs>();
  auto* sub = app.add_subcommand("run", "Generate text from a prompt, streamed to stdout");
  sub->add_option("model", a->model, "GGUF model file")->required();
  sub->add_option("-p,--prompt", a->prompt, "Prompt text")->required();
  sub->add_option("-n,--n-predict", a->n_predict,
                  "Tokens to generate (default 128; -1: until the end)");
  sub->add_option("--temp", a->sampling.temperature, "Temperature (default 0.8; 0: greedy)");
  sub->add_option("--top-k", a->sampling.top_k, "Top-k (default 40; 0: off)");
  sub->add_option("--top-p", a->sampling.top_p, "Top-p (default 0.95; 1: off)");
  sub->add_option("--min-p", a->sampling.min_p, "Min-p (default 0.05; 0: off)");
  sub->add_option("--repeat-penalty", a->sampling.repeat_penalty,
                  "Repetition penalty (default 1: off)");
  sub->add_option("--repeat-last-n", a->sampling.penalty_last_n,
                  "Tokens the penalties look back on (default 64; -1: all)");
  sub->add_option("--presence-penalty", a->sampling.presence_penalty,
                  "Presence penalty (default 0)");
  sub->add_option("--frequency-penalty", a->sampling.frequency_penalty,
                  "Frequency penalty (default 0)");
  sub->add_option("--seed", a->sampling.seed, "Sampling seed (default: random, printed on stderr)");
  sub->add_option("-t,--threads", a->threads, "Threads (default: all)");
  sub->add_option(
      "--ctx", a->n_ctx,
      fmt::format("Context size in tokens (default: the model's, at most {})", kDefaultCtxCap));
  sub->add_flag("--no-special", a->no_special,
                "Tokenise special-token text in the prompt (e.g. <|im_start|>) as plain text");
  sub->callback([a, &exit_code] { exit_code = run(*a); });
}

}  // namespace hearth::cli

#include "perf/bench_runner.h"

#include <chrono>
#include <limits>
#include <random>

#include <fmt/format.h>

#include "model/model.h"

namespace hearth::perf {
namespace {

using Clock = std::chrono::steady_clock;

// Warm-up decode length: enough to page in the weights every token reads and settle the
// clocks, short enough not to double the tg time.
constexpr int32_t kGenerateWarmupTokens = 16;

// The token a prompt starts with: the BOS the tokenizer adds, else none.
TokenId leading_token(const Model& model) {
  const std::vector<TokenId> special = model.tokenizer().encode("", /*add_special=*/true, /*parse_special=*/false);
  return special.empty() ? -1 : special.front();
}

}  // namespace

Result<std::vector<double>> time_repeated(int reps, int warmups, const std::function<Status()>& setup,
                                          const std::function<Status()>& body) {
  std::vector<double> seconds;
  seconds.reserve(reps > 0 ? reps : 0);
  for (int i = 0; i < warmups + reps; ++i) {
    HEARTH_RETURN_IF_ERROR(setup());
    const auto start = Clock::now();
    HEARTH_RETURN_IF_ERROR(body());
    const double t = std::chrono::duration<double>(Clock::now() - start).count();
    if (i >= warmups) seconds.push_back(t);
  }
  return seconds;
}

std::vector<TokenId> random_tokens(int32_t n, int32_t n_vocab, TokenId first, uint64_t seed) {
  std::vector<TokenId> ids;
  if (n <= 0 || n_vocab <= 0) return ids;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<TokenId> pick(0, n_vocab - 1);
  ids.resize(n);
  for (auto& id : ids) id = pick(rng);
  if (first >= 0 && first < n_vocab) ids[0] = first;
  return ids;
}

void summarize_samples(BenchSamples& s) {
  std::vector<double> rates(s.seconds.size());
  rates_from_durations(s.n_tokens, s.seconds, rates);
  s.tokens_per_s = summarize(rates);
}

Result<std::vector<BenchSamples>> run_bench(const Model& model, const BenchOptions& o) {
  const ModelConfig& config = model.config();
  if (config.is_encoder()) {
    return Status::errorf("'{}' is an encoder ({}): it does not generate tokens", model.file().path(),
                          config.arch);
  }
  if (o.n_prompt < 0 || o.n_gen < 0 || o.reps < 1) {
    return Status::errorf("-p {} and -n {} must be >= 0 and -r {} >= 1", o.n_prompt, o.n_gen, o.reps);
  }
  if (o.n_prompt == 0 && o.n_gen == 0) return Status::error("-p 0 and -n 0 leave nothing to measure");
  if (config.n_vocab <= 0) return Status::errorf("'{}' has no vocabulary size", model.file().path());
  const int64_t n_ctx = static_cast<int64_t>(o.n_prompt) + o.n_gen;
  // Like llama-bench, the test may run past the training context: speed, not quality, is measured.
  if (n_ctx > std::numeric_limits<int32_t>::max()) {
    return Status::errorf("-p {} + -n {} tokens do not fit a context", o.n_prompt, o.n_gen);
  }
  const auto say = [&](std::string_view line) {
    if (o.progress) o.progress(line);
  };
  Context ctx(model, static_cast<int32_t>(std::max<int64_t>(n_ctx, 1)));
  const TokenId bos = leading_token(model);
  std::vector<BenchSamples> out;
  const auto reset = [&ctx]() {
    ctx.reset();
    return Status::ok();
  };

  if (o.n_prompt > 0) {
    BenchSamples s{BenchKind::kPrompt, fmt::format("pp{}", o.n_prompt), o.n_prompt, {}, {}};
    const std::vector<TokenId> prompt = random_tokens(o.n_prompt, config.n_vocab, bos, o.seed);
    say(fmt::format("{} (1 warm-up + {} runs)", s.test, o.reps));
    auto seconds = time_repeated(o.reps, 1, reset, [&] { return ctx.eval(prompt); });
    if (!seconds) return seconds.status().with_context(s.test);
    s.seconds = std::move(*seconds);
    summarize_samples(s);
    out.push_back(std::move(s));
  }
  if (o.n_gen > 0) {
    BenchSamples s{BenchKind::kGenerate, fmt::format("tg{}", o.n_gen), o.n_gen, {}, {}};
    const std::vector<TokenId> tokens = random_tokens(o.n_gen, config.n_vocab, bos, o.seed + 1);
    const auto decode = [&](int32_t n) -> Status {
      for (int32_t i = 0; i < n; ++i) {
        HEARTH_RETURN_IF_ERROR(ctx.eval(std::span<const TokenId>(&tokens[i], 1)));
      }
      return Status::ok();
    };
    const int32_t warmup = std::min(o.n_gen, kGenerateWarmupTokens);
    say(fmt::format("{} (1 warm-up of {} tokens + {} runs)", s.test, warmup, o.reps));
    ctx.reset();
    if (Status st = decode(warmup); !st) return st.with_context(s.test + " warm-up");
    auto seconds = time_repeated(o.reps, 0, reset, [&] { return decode(o.n_gen); });
    if (!seconds) return seconds.status().with_context(s.test);
    s.seconds = std::move(*seconds);
    summarize_samples(s);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace hearth::perf

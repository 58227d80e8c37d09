// cli: `hearth synth`: writes a random-weight model of a supported architecture (model/synth.h)
// so that hearth can be tried and tested without downloading a model.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <optional>

#include "cli/commands.h"
#include "model/synth.h"

namespace hearth::cli {
namespace {

struct SynthArgs {
  std::string out, arch, shape = "tiny", type = "F16";
  // Overrides of the named shape's dimensions; unset ones keep the shape's value.
  std::optional<int32_t> n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff, n_vocab, n_ctx;
  std::optional<int32_t> n_expert, n_expert_used, n_ff_expert;
  bool tied = false, untied = false;
  uint64_t seed = 1;
  int threads = 0;
};

std::string human_bytes(uint64_t n) {
  if (n >= (1ull << 30)) return fmt::format("{:.2f} GiB", static_cast<double>(n) / (1ull << 30));
  return fmt::format("{:.1f} MiB", static_cast<double>(n) / (1ull << 20));
}

int run_synth(const SynthArgs& a) {
  auto shape = synth::named_shape(a.shape, a.arch);
  auto scheme = synth::parse_weight_scheme(a.type);
  if (!shape || !scheme) {
    fmt::print(stderr, "hearth synth: error: {}\n", !shape ? shape.message() : scheme.message());
    return 1;
  }
  synth::SynthOptions o;
  o.shape = *shape;
  const auto apply = [](const std::optional<int32_t>& v, int32_t& field) {
    if (v) field = *v;
  };
  apply(a.n_embd, o.shape.n_embd);
  apply(a.n_layer, o.shape.n_layer);
  apply(a.n_head, o.shape.n_head);
  apply(a.n_head_kv, o.shape.n_head_kv);
  apply(a.head_dim, o.shape.head_dim);
  apply(a.n_ff, o.shape.n_ff);
  apply(a.n_vocab, o.shape.n_vocab);
  apply(a.n_ctx, o.shape.n_ctx);
  apply(a.n_expert, o.shape.n_expert);
  apply(a.n_expert_used, o.shape.n_expert_used);
  apply(a.n_ff_expert, o.shape.n_ff_expert);
  if (a.tied) o.shape.tied_output = true;
  if (a.untied) o.shape.tied_output = false;
  o.shape_name = a.shape;
  o.scheme = *scheme;
  o.seed = a.seed;
  o.n_threads = a.threads;
  o.progress = true;

  fmt::print(stderr,
             "hearth synth: writing a model with RANDOM WEIGHTS (seed {}) to {}.\n"
             "  It is not a trained model: its output is gibberish. It is for trying and testing\n"
             "  hearth; for real text, pass a trained GGUF model (e.g. from huggingface.co) to\n"
             "  `hearth run`.\n",
             a.seed, a.out);
  const auto start = std::chrono::steady_clock::now();
  auto summary = synth::write_synth_model(o, a.out);
  if (!summary) {
    fmt::print(stderr, "hearth synth: error: {}\n", summary.message());
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print(stderr,
             "hearth synth: wrote {}: {} '{}' {}, {} tensors, {:.1f}M parameters, vocab {}, {} in "
             "{:.1f} s\n",
             a.out, o.shape.arch, a.shape, o.scheme.name, summary->n_tensors,
             static_cast<double>(summary->n_params) / 1e6, summary->n_vocab,
             human_bytes(summary->file_bytes), seconds);
  return 0;
}

}  // namespace

void register_synth(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SynthArgs>();
  auto* sub = app.add_subcommand(
      "synth", "Write a RANDOM-WEIGHT model of a supported architecture (for trying and testing)");
  sub->add_option("out", args->out, "Output GGUF file")->required();
  sub->add_option("--arch", args->arch,
                  fmt::format("Architecture: {}", fmt::join(synth::synth_architectures(), ", ")));
  sub->add_option("--shape", args->shape,
                  fmt::format("Named shape: {} (default tiny: n_embd 256, 2 layers, 4 heads, 2 KV "
                              "heads, n_ff 512)",
                              fmt::join(synth::shape_names(), ", ")));
  sub->add_option(
      "--type", args->type,
      fmt::format("Weight type: {} (default F16)", fmt::join(synth::weight_scheme_names(), ", ")));
  sub->add_option("--seed", args->seed,
                  "Random seed (default 1); the same seed writes the same file");
  sub->add_option("-t,--threads", args->threads, "Threads (default: all)");
  sub->add_option("--n-embd", args->n_embd, "Embedding width");
  sub->add_option("--n-layer", args->n_layer, "Number of layers");
  sub->add_option("--n-head", args->n_head, "Attention heads");
  sub->add_option("--n-head-kv", args->n_head_kv, "Key/value heads");
  sub->add_option("--head-dim", args->head_dim, "Head width (default n_embd / n_head)");
  sub->add_option("--n-ff", args->n_ff, "Feed-forward width");
  sub->add_option("--n-vocab", args->n_vocab, "Vocabulary size (padded with filler tokens)");
  sub->add_option("--n-ctx", args->n_ctx, "Training context length");
  sub->add_option("--n-expert", args->n_expert, "Experts (MoE)");
  sub->add_option("--n-expert-used", args->n_expert_used, "Experts used per token (MoE)");
  sub->add_option("--n-ff-expert", args->n_ff_expert, "Expert feed-forward width (MoE)");
  auto* tied =
      sub->add_flag("--tied", args->tied, "Tie the output projection to the token embedding");
  sub->add_flag("--untied", args->untied, "Write a separate output.weight")->excludes(tied);
  sub->callback([args, &exit_code] { exit_code = run_synth(*args); });
}

}  // namespace hearth::cli

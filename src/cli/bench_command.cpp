// cli: `hearth bench`: the roofline probe (--probe) and llama-bench style pp/tg measurements of a
// model, reported against the probe's bandwidth and peaks (perf/).
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "kernels/kernel_table.h"
#include "kernels/matmul.h"
#include "model/model.h"
#include "model/weights.h"
#include "perf/bench_report.h"
#include "perf/bench_runner.h"
#include "perf/probe.h"
#include "perf/weight_traffic.h"

namespace hearth::cli {
namespace {

struct BenchArgs {
  std::string model;
  bool probe = false;
  bool json = false, markdown = false;
  int32_t n_prompt = 512, n_gen = 128;
  int reps = 3;
  int threads = 0;  // 0: the kernels' default
  std::string isa;
};

void progress(std::string_view line) { fmt::print(stderr, "hearth bench: {}\n", line); }

int fail(const std::string& message) {
  fmt::print(stderr, "hearth bench: error: {}\n", message);
  return 1;
}

// The cached probe of this machine, or a fresh one (saved to the cache) when asked for, absent
// or unreadable.
Result<perf::ProbeResult> machine_probe(bool force) {
  const std::string path = perf::default_probe_cache_path();
  if (!force && !path.empty()) {
    auto cached = perf::load_cached_probe(path, perf::this_machine_cache_key());
    if (!cached) {
      progress(fmt::format("ignoring the probe cache: {}", cached.message()));
    } else if (cached->has_value()) {
      progress(fmt::format("using the probe cached in {} (re-probe with --probe)", path));
      return std::move(**cached);
    }
  }
  perf::ProbeOptions options;
  options.progress = progress;
  HEARTH_ASSIGN_OR_RETURN(perf::ProbeResult p, perf::run_probe(options));
  if (path.empty()) {
    progress("not caching the probe: neither XDG_CACHE_HOME nor HOME is set");
  } else if (Status saved = perf::save_probe(path, p); !saved) {
    progress(fmt::format("could not cache the probe: {}", saved.message()));
  }
  return p;
}

void print_probe(const perf::ProbeResult& p, bool json) {
  if (json) {
    fmt::print("{}\n", perf::probe_to_json(p).dump(2));
    return;
  }
  fmt::print("cpu:             {} ({} cores, probed with {} threads, {})\n", p.cpu_model, p.n_cores, p.n_threads,
             p.isa);
  fmt::print("read bandwidth:  {:.2f} GB/s best, {:.2f} GB/s median ({} MiB buffer)\n", p.read_gb_per_s,
             p.read_gb_per_s_median, p.buffer_bytes >> 20);
  fmt::print("f32 FMA peak:    {:.1f} GFLOP/s\n", p.fma_gflops);
  fmt::print("int8 dot peak:   {:.1f} GOP/s ({})\n", p.int8_gops, p.int8_kind);
  fmt::print("probed at:       {}\n", p.probed_at);
}

int run_bench_command(const BenchArgs& a) {
  if (a.model.empty() && !a.probe) return fail("give a MODEL to benchmark, or --probe to measure the machine");
  if (a.threads < 0) return fail(fmt::format("-t {}: the thread count must be positive", a.threads));
  if (!a.isa.empty()) {
    if (Status s = kernels::set_isa(a.isa); !s) return fail(s.message());
  }
  if (a.threads > 0) kernels::set_num_threads(a.threads);

  if (a.model.empty()) {
    auto probe = machine_probe(a.probe);
    if (!probe) return fail(probe.message());
    print_probe(*probe, a.json);
    return 0;
  }

  // The model first: a bad path should not wait for a probe.
  progress(fmt::format("loading {}", a.model));
  auto model = Model::load(a.model);
  if (!model) return fail(model.message());
  auto traffic = perf::weight_traffic(**model);
  if (!traffic) return fail(traffic.message());
  auto probe = machine_probe(a.probe);
  if (!probe) return fail(probe.message());

  perf::BenchOptions options;
  options.n_prompt = a.n_prompt;
  options.n_gen = a.n_gen;
  options.reps = a.reps;
  options.progress = progress;
  auto samples = perf::run_bench(**model, options);
  if (!samples) return fail(samples.message());

  perf::BenchReport report;
  report.model = a.model;
  report.model_label = perf::model_label((*model)->config().arch, (*model)->file().tensors());
  report.model_bytes = traffic->total_bytes;
  report.n_params = traffic->n_params;
  report.threads = kernels::num_threads();
  report.isa = std::string(kernels::isa_name());
  report.probe = *probe;
  const bool integer_kernels = report.isa != "ref" && has_quantised_matrices((*model)->weights());
  const perf::PeakKind peak = integer_kernels ? perf::PeakKind::kInt8 : perf::PeakKind::kFma;
  for (const auto& s : *samples) {
    report.rows.push_back(perf::make_row(s, *traffic, (*model)->config(), *probe, peak));
  }
  if (a.json) {
    fmt::print("{}\n", perf::report_json(report).dump(2));
  } else if (a.markdown) {
    fmt::print("{}", perf::report_markdown(report));
  } else {
    fmt::print("{}", perf::report_table(report));
  }
  return 0;
}

}  // namespace

void register_bench(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<BenchArgs>();
  auto* sub = app.add_subcommand(
      "bench", "Measure prompt (pp) and generation (tg) speed of a model against this machine's roofline");
  sub->add_option("model", args->model, "GGUF model to benchmark (omit with --probe to only probe the machine)");
  sub->add_flag("--probe", args->probe,
                "Measure read bandwidth and FMA / int8 peaks now (else the cached probe is used) and cache them");
  sub->add_option("-p,--n-prompt", args->n_prompt, "Prompt tokens evaluated in one batch (pp test; 0: none)")
      ->capture_default_str();
  sub->add_option("-n,--n-gen", args->n_gen, "Tokens generated one at a time (tg test; 0: none)")
      ->capture_default_str();
  sub->add_option("-r,--repetitions", args->reps, "Timed runs of each test, after one warm-up")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  sub->add_option("-t,--threads", args->threads, "Threads (default: all hardware threads)");
  sub->add_option("--isa", args->isa, "Kernels: ref, avx2, avx512 or auto (default: HEARTH_ISA or auto)");
  auto* json = sub->add_flag("--json", args->json, "Print JSON");
  sub->add_flag("--md", args->markdown, "Print a markdown table (like llama-bench)")->excludes(json);
  sub->callback([args, &exit_code] { exit_code = run_bench_command(*args); });
}

}  // namespace hearth::cli

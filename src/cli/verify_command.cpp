// cli: `hearth verify`: checks a model against a golden file (reference logits, greedy
// continuations or embeddings) within the tolerances of the test data's README.
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli/commands.h"
#include "kernels/matmul.h"
#include "model/golden.h"
#include "model/model.h"

namespace hearth::cli {
namespace {

struct VerifyOptions {
  std::string model;
  std::string golden;
  bool json = false;
  bool skip_tokens = false;
  int threads = 0;
};

// Returns whether every case passed; errors (unreadable files, ...) are a Status.
Result<bool> run_verify(const VerifyOptions& opt) {
  if (opt.threads > 0) kernels::set_num_threads(opt.threads);
  HEARTH_ASSIGN_OR_RETURN(auto model, Model::load(opt.model));
  HEARTH_ASSIGN_OR_RETURN(Golden golden, load_golden(opt.golden));
  auto report = verify_golden(*model, golden, !opt.skip_tokens);
  if (!report) return report.status().with_context(opt.golden);
  report->model_name = opt.model;
  report->golden_name = opt.golden;
  if (opt.json) {
    fmt::print("{}\n", report_to_json(*report).dump(2));
  } else {
    fmt::print("{}", format_report(*report));
  }
  return report->pass();
}

}  // namespace

void register_verify(CLI::App& app, int& exit_code) {
  auto opt = std::make_shared<VerifyOptions>();
  auto* sub = app.add_subcommand(
      "verify",
      "Check a model against a golden file. Per case: tokenising the text gives the reference\n"
      "ids exactly; at most 2% (MoE: 10%) of positions are off (a log-sum-exp or one of the\n"
      "reference's top-5 logits moved by more than tol, or the argmax changed where the\n"
      "reference's top-2 margin exceeds tol; the last logits count as one more position);\n"
      "the greedy continuation is identical up to the reference's first near-tie (top-2 margin\n"
      "below tol); embeddings have cosine >= 0.9999 (F16) or 0.999 (quantised). tol is 0.05\n"
      "for F32/F16/BF16 weights, 0.4 for quantised ones. Exit status 0 only if all pass.\n"
      "  hearth verify MODEL GOLDEN.json [--json]");
  sub->add_option("model", opt->model, "GGUF model file")->required();
  sub->add_option("golden", opt->golden, "Golden JSON file made from this model")->required();
  sub->add_flag("--json", opt->json, "Print the report as JSON");
  sub->add_flag("--skip-tokens", opt->skip_tokens,
                "Do not check tokenisation (the reference token ids are evaluated either way)");
  sub->add_option("-t,--threads", opt->threads, "Worker threads (default: all cores)");
  sub->callback([opt, &exit_code] {
    const Result<bool> passed = run_verify(*opt);
    if (!passed) {
      fmt::print(stderr, "hearth verify: {}\n", passed.message());
      exit_code = 1;
      return;
    }
    exit_code = *passed ? 0 : 1;
  });
}

}  // namespace hearth::cli

// cli: the `hearth` program; each subcommand lives in its own file.
#include <cstdio>

#include "base/log.h"
#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"hearth: a local LLM engine and server for unified-memory machines"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "hearth 0.1.0");
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Log progress and diagnostics to stderr");
  app.parse_complete_callback([&] {
    if (verbose) hearth::set_log_level(hearth::LogLevel::kInfo);
  });

  int exit_code = 0;
  hearth::cli::register_run(app, exit_code);
  hearth::cli::register_inspect(app, exit_code);
  hearth::cli::register_tokenize(app, exit_code);
  hearth::cli::register_eval(app, exit_code);
  hearth::cli::register_synth(app, exit_code);
  hearth::cli::register_verify(app, exit_code);
  hearth::cli::register_template(app, exit_code);
  hearth::cli::register_bench(app, exit_code);
  hearth::cli::register_chat(app, exit_code);
  hearth::cli::register_serve(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}

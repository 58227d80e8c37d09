// cli: one register_* function per subcommand, each defined in its own file (<name>_command.cpp).
// A subcommand's callback stores its exit status in `exit_code`; errors go to stderr.
#pragma once

#include <CLI/CLI.hpp>

namespace hearth::cli {

void register_run(CLI::App& app, int& exit_code);       // run_command.cpp
void register_inspect(CLI::App& app, int& exit_code);   // inspect_command.cpp
void register_tokenize(CLI::App& app, int& exit_code);  // tokenize_command.cpp
void register_eval(CLI::App& app, int& exit_code);      // eval_command.cpp (eval + embed)
void register_synth(CLI::App& app, int& exit_code);     // synth_command.cpp
void register_verify(CLI::App& app, int& exit_code);    // verify_command.cpp
void register_template(CLI::App& app, int& exit_code);   // template_command.cpp
void register_bench(CLI::App& app, int& exit_code);      // bench_command.cpp
void register_chat(CLI::App& app, int& exit_code);      // chat_command.cpp
void register_serve(CLI::App& app, int& exit_code);      // serve_command.cpp

}  // namespace hearth::cli

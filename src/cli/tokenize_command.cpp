// cli: `hearth tokenize` (placeholder until implemented).
#include <fmt/format.h>

#include "cli/commands.h"

namespace hearth::cli {

void register_tokenize(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("tokenize", "(not implemented yet)");
  sub->allow_extras();
  sub->callback([&exit_code] {
    fmt::print(stderr, "hearth tokenize: not implemented yet\n");
    exit_code = 1;
  });
}

}  // namespace hearth::cli

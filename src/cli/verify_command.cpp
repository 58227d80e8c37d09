// cli: `hearth verify` (placeholder until implemented).
#include <fmt/format.h>

#include "cli/commands.h"

namespace hearth::cli {

void register_verify(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("verify", "(not implemented yet)");
  sub->allow_extras();
  sub->callback([&exit_code] {
    fmt::print(stderr, "hearth verify: not implemented yet\n");
    exit_code = 1;
  });
}

}  // namespace hearth::cli

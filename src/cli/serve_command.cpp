// cli: `hearth serve` (placeholder until implemented).
#include <fmt/format.h>

#include "cli/commands.h"

namespace hearth::cli {

void register_serve(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("serve", "(not implemented yet)");
  sub->allow_extras();
  sub->callback([&exit_code] {
    fmt::print(stderr, "hearth serve: not implemented yet\n");
    exit_code = 1;
  });
}

}  // namespace hearth::cli

// cli: `hearth chat` (placeholder until implemented).
#include <fmt/format.h>

#include "cli/commands.h"

namespace hearth::cli {

void register_chat(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("chat", "(not implemented yet)");
  sub->allow_extras();
  sub->callback([&exit_code] {
    fmt::print(stderr, "hearth chat: not implemented yet\n");
    exit_code = 1;
  });
}

}  // namespace hearth::cli

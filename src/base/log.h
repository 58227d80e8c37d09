// base: leveled logging to stderr (info lines are for people; machine output goes to stdout).
#pragma once

#include <fmt/format.h>

namespace hearth {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kQuiet = 4 };

LogLevel log_level();
void set_log_level(LogLevel level);

template <typename... Args>
void log(LogLevel level, fmt::format_string<Args...> f, Args&&... args) {
  if (level < log_level()) return;
  static constexpr const char* kTags[] = {"debug", "info", "warn", "error", ""};
  fmt::print(stderr, "[hearth {}] {}\n", kTags[static_cast<int>(level)],
             fmt::format(f, std::forward<Args>(args)...));
}

#define HEARTH_LOG_INFO(...) ::hearth::log(::hearth::LogLevel::kInfo, __VA_ARGS__)
#define HEARTH_LOG_WARN(...) ::hearth::log(::hearth::LogLevel::kWarn, __VA_ARGS__)
#define HEARTH_LOG_DEBUG(...) ::hearth::log(::hearth::LogLevel::kDebug, __VA_ARGS__)

}  // namespace hearth

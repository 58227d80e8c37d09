// server: typed reads of request fields with OpenAI-style 400 errors that name the field, the
// expected type or range and what was sent. An absent or null field leaves the output as is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/api_error.h"

namespace hearth::server {

using MaybeError = std::optional<ApiError>;

// Returns the error from the enclosing function if `expr` (a MaybeError) holds one.
#define HEARTH_API_TRY(expr)                     \
  do {                                           \
    ::hearth::server::MaybeError _e = (expr);    \
    if (_e) return _e;                           \
  } while (0)

// The body as a JSON object, or a 400 naming the parse error (truncated JSON, invalid UTF-8...).
MaybeError parse_json_object(const std::string& body, nlohmann::json& out);

// "a string", "an integer", ... for messages.
std::string_view json_kind(const nlohmann::json& v);

MaybeError read_bool(const nlohmann::json& obj, std::string_view key, bool& out);
// Integers (or floats with an integral value) in [lo, hi].
MaybeError read_int(const nlohmann::json& obj, std::string_view key, int64_t lo, int64_t hi,
                    int64_t& out);
// Finite numbers in [lo, hi].
MaybeError read_number(const nlohmann::json& obj, std::string_view key, double lo, double hi,
                       double& out);
MaybeError read_float(const nlohmann::json& obj, std::string_view key, double lo, double hi,
                      float& out);
MaybeError read_string(const nlohmann::json& obj, std::string_view key, std::string& out);
// A string or a list of at most max_items strings.
MaybeError read_string_or_list(const nlohmann::json& obj, std::string_view key, size_t max_items,
                               std::vector<std::string>& out);

}  // namespace hearth::server

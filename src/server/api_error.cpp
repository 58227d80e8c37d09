// server: ApiError.
#include "server/api_error.h"

#include <fmt/format.h>

#include <utility>

namespace hearth::server {

nlohmann::json ApiError::to_json() const {
  nlohmann::json e = {{"message", message}, {"type", type}};
  e["param"] = param.empty() ? nlohmann::json(nullptr) : nlohmann::json(param);
  e["code"] = code.empty() ? nlohmann::json(nullptr) : nlohmann::json(code);
  return {{"error", e}};
}

std::string ApiError::body() const {
  // Messages can quote client input: never let invalid UTF-8 break the reply.
  return to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ApiError ApiError::bad_request(std::string message, std::string param) {
  return {400, std::move(message), "invalid_request_error", "", std::move(param)};
}

ApiError ApiError::model_not_found(const std::string& model) {
  return {404, fmt::format("The model '{}' does not exist (GET /v1/models lists the served ones)", model),
          "invalid_request_error", "model_not_found", "model"};
}

ApiError ApiError::context_length_exceeded(std::string message) {
  return {400, std::move(message), "invalid_request_error", "context_length_exceeded", "messages"};
}

ApiError ApiError::unauthorized() {
  return {401,
          "Missing or incorrect API key: send it as 'Authorization: Bearer <key>'",
          "invalid_request_error", "invalid_api_key", ""};
}

ApiError ApiError::queue_full(std::string message) {
  return {429, std::move(message), "rate_limit_error", "queue_full", ""};
}

ApiError ApiError::not_found(const std::string& method, const std::string& path) {
  return {404, fmt::format("Unknown endpoint: {} {}", method, path), "invalid_request_error",
          "not_found", ""};
}

ApiError ApiError::payload_too_large(size_t limit) {
  return {413, fmt::format("The request body is larger than the server's limit of {} bytes", limit),
          "invalid_request_error", "payload_too_large", ""};
}

ApiError ApiError::request_timeout(int deadline_s) {
  return {408,
          fmt::format("The request did not arrive within the server's deadline of {} s "
                      "(--request-deadline); the connection is closed",
                      deadline_s),
          "invalid_request_error", "request_timeout", ""};
}

ApiError ApiError::unavailable(std::string message) {
  return {503, std::move(message), "server_error", "unavailable", ""};
}

ApiError ApiError::internal(std::string message) {
  return {500, std::move(message), "server_error", "internal_error", ""};
}

}  // namespace hearth::server

// server: errors in the OpenAI schema ({"error": {"message", "type", "param", "code"}}) with
// the HTTP status each kind of failure gets.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace hearth::server {

struct ApiError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::string code;   // "" -> null
  std::string param;  // the request field at fault; "" -> null

  nlohmann::json to_json() const;
  std::string body() const;  // to_json() as text

  static ApiError bad_request(std::string message, std::string param = "");
  static ApiError model_not_found(const std::string& model);
  static ApiError context_length_exceeded(std::string message);
  static ApiError unauthorized();
  static ApiError queue_full(std::string message);
  static ApiError not_found(const std::string& method, const std::string& path);
  static ApiError payload_too_large(size_t limit);
  static ApiError request_timeout(int deadline_s);
  static ApiError unavailable(std::string message);
  static ApiError internal(std::string message);
};

}  // namespace hearth::server

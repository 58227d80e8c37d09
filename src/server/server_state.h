// server: what the route handlers share (internal to the server module; includes httplib).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <httplib.h>

#include "server/api_error.h"
#include "server/http_server.h"
#include "server/server.h"

namespace hearth::server {

struct Server::State {
  ServerOptions options;
  std::vector<std::unique_ptr<ServedModel>> models;
  HttpServer http;

  std::atomic<bool> stopping{false};
  std::atomic<int> active_streams{0};
  std::atomic<uint64_t> next_response_id{1};
  std::mutex stop_mu;  // one stop() at a time
  bool stopped = false;

  std::mutex counters_mu;
  std::map<int, uint64_t> responses_by_status;  // for /metrics

  // nullptr when no model has this id.
  ServedModel* find_model(const std::string& id) const;
  // "chatcmpl-<unique>"
  std::string make_response_id(const char* prefix);
};

void send_error(httplib::Response& res, const ApiError& e);
void send_json(httplib::Response& res, const nlohmann::json& body);

// Route handlers (generation_routes.cpp, info_routes.cpp).
void handle_chat_completions(Server::State& s, const httplib::Request& req, httplib::Response& res);
void handle_completions(Server::State& s, const httplib::Request& req, httplib::Response& res);
void handle_embeddings(Server::State& s, const httplib::Request& req, httplib::Response& res);
void handle_models(Server::State& s, const httplib::Request& req, httplib::Response& res);
void handle_health(Server::State& s, const httplib::Request& req, httplib::Response& res);
// Prometheus text exposition (metrics_text.cpp).
std::string render_metrics(Server::State& s);

}  // namespace hearth::server

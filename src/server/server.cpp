// server: Server: httplib set-up (limits, timeouts, threads), authentication, CORS, error
// bodies for failures httplib itself detects, and the bind/serve/stop life cycle.
#include <chrono>
#include <csignal>
#include <thread>

#include <sys/socket.h>

#include "base/log.h"
#include "server/openai_response.h"
#include "server/server_state.h"

namespace hearth::server {
namespace {

using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

bool authorized(const Server::State& s, const httplib::Request& req) {
  if (s.options.api_key.empty()) return true;
  const std::string header = req.get_header_value("Authorization");
  static constexpr std::string_view kBearer = "Bearer ";
  if (header.size() < kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0) return false;
  return constant_time_equals(header.substr(kBearer.size()), s.options.api_key);
}

// Every route except /health checks the key; the body has been read by then, so the
// connection stays in step for the client's next request.
Handler guarded(Server::State& s, void (*handler)(Server::State&, const httplib::Request&,
                                                 httplib::Response&)) {
  return [&s, handler](const httplib::Request& req, httplib::Response& res) {
    if (!authorized(s, req)) return send_error(res, ApiError::unauthorized());
    handler(s, req, res);
  };
}

void install_routes(Server::State& s) {
  auto& http = s.http;
  http.Post("/v1/chat/completions", guarded(s, handle_chat_completions));
  http.Post("/v1/completions", guarded(s, handle_completions));
  http.Post("/v1/embeddings", guarded(s, handle_embeddings));
  http.Get("/v1/models", guarded(s, handle_models));
  http.Get("/health", [&s](const httplib::Request& req, httplib::Response& res) {
    handle_health(s, req, res);
  });
  http.Get("/metrics", [&s](const httplib::Request& req, httplib::Response& res) {
    if (!authorized(s, req)) return send_error(res, ApiError::unauthorized());
    res.set_content(render_metrics(s), "text/plain; version=0.0.4; charset=utf-8");
  });

  if (!s.options.cors_origin.empty()) {
    http.Options(R"(/.*)", [](const httplib::Request&, httplib::Response& res) {
      res.status = 204;
      res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
      res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
      res.set_header("Access-Control-Max-Age", "86400");
    });
    http.set_post_routing_handler([&s](const httplib::Request&, httplib::Response& res) {
      res.set_header("Access-Control-Allow-Origin", s.options.cors_origin);
      if (s.options.cors_origin != "*") res.set_header("Vary", "Origin");
    });
  }

  // Failures httplib answers itself (unknown route, body too large, unparsable request) get
  // an OpenAI error body too; handlers' own errors already have one.
  http.set_error_handler([&s](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty() || res.is_chunked_content_provider_) return;
    ApiError e;
    if (HttpServer::current_request_missed_deadline()) {
      // httplib reports the cut read as a malformed request (400).
      e = ApiError::request_timeout(std::max(1, s.options.request_read_deadline_s));
      res.status = e.status;
      // httplib adds its own "Connection: close" only when the client asked for it.
      if (req.get_header_value("Connection") != "close") res.set_header("Connection", "close");
      res.set_content(e.body(), "application/json");
      return;
    }
    switch (res.status) {
      case 404: e = ApiError::not_found(req.method, req.path); break;
      case 413: e = ApiError::payload_too_large(s.options.max_body_bytes); break;
      case 414: e = ApiError::bad_request("The request URI is too long"); e.status = 414; break;
      default:
        e = ApiError::bad_request("Malformed HTTP request");
        e.status = res.status;
        if (res.status >= 500) e.type = "server_error";
    }
    res.set_content(e.body(), "application/json");
  });
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown error";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        send_error(res, ApiError::internal("internal error: " + what));
      });
  http.set_logger([&s](const httplib::Request& req, const httplib::Response& res) {
    {
      std::lock_guard lock(s.counters_mu);
      ++s.responses_by_status[res.status];
    }
    HEARTH_LOG_DEBUG("{} {} -> {}", req.method, req.path, res.status);
  });
}

}  // namespace

bool constant_time_equals(const std::string& given, const std::string& expected) {
  // Every byte of `given` is compared (against the expected bytes, cycled), so the time does
  // not tell how much of a guess was right; the length difference is folded in at the end.
  unsigned diff = given.size() == expected.size() ? 0u : 1u;
  const size_t n = expected.size();
  for (size_t i = 0; i < given.size(); ++i) {
    const unsigned char e = n > 0 ? static_cast<unsigned char>(expected[i % n]) : 0;
    diff |= static_cast<unsigned char>(given[i]) ^ e;
  }
  return diff == 0 && !expected.empty();
}

ServedModel* Server::State::find_model(const std::string& id) const {
  for (const auto& m : models) {
    if (m->id == id) return m.get();
  }
  return nullptr;
}

std::string Server::State::make_response_id(const char* prefix) {
  const auto now = std::chrono::system_clock::now().time_since_epoch().count();
  return fmt::format("{}-{:x}{:06x}", prefix, static_cast<uint64_t>(now) & 0xffffffffffULL,
                     next_response_id.fetch_add(1) & 0xffffff);
}

void send_error(httplib::Response& res, const ApiError& e) {
  res.status = e.status;
  res.set_content(e.body(), "application/json");
}

void send_json(httplib::Response& res, const nlohmann::json& body) {
  res.status = 200;
  res.set_content(dump_json(body), "application/json");
}

Server::Server(ServerOptions options, std::vector<std::unique_ptr<ServedModel>> models)
    : state_(std::make_unique<State>()) {
  // A client that disconnects must not kill the server when we write to its socket.
  std::signal(SIGPIPE, SIG_IGN);
  State& s = *state_;
  s.options = std::move(options);
  s.models = std::move(models);
  const size_t threads = static_cast<size_t>(std::max(4, s.options.http_threads));
  s.http.set_thread_count(threads);
  s.http.set_payload_max_length(s.options.max_body_bytes);
  s.http.set_read_timeout(std::max(1, s.options.read_timeout_s), 0);
  s.http.set_write_timeout(std::max(1, s.options.write_timeout_s), 0);
  s.http.set_keep_alive_max_count(1000);
  s.http.set_keep_alive_timeout(std::max(1, s.options.keep_alive_timeout_s));
  s.http.set_request_read_deadline(
      std::chrono::seconds(std::max(1, s.options.request_read_deadline_s)));
  // SO_REUSEADDR, so that a restarted server binds its port while connections of the previous
  // one linger in TIME_WAIT. Not httplib's default SO_REUSEPORT, which would also let another
  // process of the same user bind the port beside us and take a share of the connections.
  s.http.set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  install_routes(s);
}

Server::~Server() { stop(); }

Result<int> Server::bind() {
  State& s = *state_;
  int port = s.options.port;
  if (port == 0) {
    port = s.http.bind_to_any_port(s.options.host);
    if (port <= 0) return Status::errorf("cannot listen on {} (any port)", s.options.host);
  } else if (!s.http.bind_to_port(s.options.host, port)) {
    return Status::errorf("cannot listen on {}:{}: is the port in use, or the address not local?",
                          s.options.host, port);
  }
  return port;
}

Status Server::serve() {
  State& s = *state_;
  if (s.stopping.load()) return Status::ok();
  if (!s.http.listen_after_bind() && !s.stopping.load())
    return Status::errorf("the server on {} stopped listening unexpectedly", s.options.host);
  return Status::ok();
}

void Server::stop() {
  State& s = *state_;
  std::lock_guard lock(s.stop_mu);
  if (s.stopped) return;
  s.stopped = true;
  s.stopping.store(true);
  // Ends every generation: each stream then writes its last event and [DONE].
  for (auto& m : s.models) m->engine->stop();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (s.active_streams.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Also wakes connections waiting for slow or idle clients, so that httplib's pool, which
  // joins every connection thread, lets serve() return now.
  s.http.stop_and_wake();
}

}  // namespace hearth::server

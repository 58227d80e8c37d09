// cli: `hearth serve`: loads one or more models and serves the OpenAI-compatible API until
// SIGINT or SIGTERM, then shuts down cleanly (streams are ended, not cut).
#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>

#include "cli/commands.h"
#include "kernels/matmul.h"
#include "server/server.h"

namespace hearth::cli {
namespace {

struct ServeArgs {
  std::vector<std::string> models;
  std::vector<std::string> aliases;
  server::ServerOptions server;
  engine::EngineOptions engine;
  int threads = 0;
};

int fail(const std::string& message) {
  fmt::print(stderr, "hearth serve: error: {}\n", message);
  return 1;
}

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.starts_with("127.");
}

// SIGINT and SIGTERM are blocked in every thread (threads inherit the mask) and taken by one
// watcher with sigtimedwait, so the handler code runs in a normal thread, not in a signal
// context.
sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

int serve(ServeArgs& a) {
  if (a.aliases.size() > a.models.size())
    return fail(fmt::format("{} --alias for {} --model: give at most one alias per model",
                            a.aliases.size(), a.models.size()));
  if (a.server.api_key.empty()) {
    if (const char* key = std::getenv("HEARTH_API_KEY")) a.server.api_key = key;
  }
  if (!is_loopback(a.server.host) && a.server.api_key.empty())
    fmt::print(stderr,
               "hearth serve: warning: listening on {} without --api-key: anyone who can reach "
               "this address can use the models\n",
               a.server.host);
  if (a.threads > 0) kernels::set_num_threads(a.threads);

  const sigset_t signals = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::vector<server::ModelSpec> specs;
  for (size_t i = 0; i < a.models.size(); ++i)
    specs.push_back({a.models[i], i < a.aliases.size() ? a.aliases[i] : ""});
  fmt::print(stderr, "hearth serve: loading {} model(s) ...\n", specs.size());
  auto models = server::load_served_models(specs, a.engine);
  if (!models.is_ok()) return fail(models.message());
  for (const auto& m : *models) {
    fmt::print(stderr, "hearth serve: model '{}' ({} {}, context {}, {} slots{})\n", m->id,
               m->model->config().arch, m->path, m->engine->n_ctx(), m->engine->n_parallel(),
               m->engine->can_generate() ? "" : ", embeddings");
  }

  server::Server srv(a.server, std::move(models).value());
  auto port = srv.bind();
  if (!port.is_ok()) return fail(port.message());
  fmt::print(stderr, "hearth serve: listening on http://{}:{}\n", a.server.host, *port);

  std::atomic<bool> finished{false};
  std::thread watcher([&] {
    const timespec tick{0, 200'000'000};
    while (!finished.load()) {
      const int sig = sigtimedwait(&signals, nullptr, &tick);
      if (sig == SIGINT || sig == SIGTERM) {
        fmt::print(stderr, "hearth serve: {} received, shutting down\n",
                   sig == SIGINT ? "SIGINT" : "SIGTERM");
        srv.stop();
        return;
      }
    }
  });
  Status st = srv.serve();
  finished.store(true);
  watcher.join();
  srv.stop();
  if (!st.is_ok()) return fail(st.message());
  fmt::print(stderr, "hearth serve: stopped\n");
  return 0;
}

}  // namespace

void register_serve(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<ServeArgs>();
  auto* sub = app.add_subcommand(
      "serve",
      "Serve models over an OpenAI-compatible HTTP API (/v1/chat/completions, /v1/completions, "
      "/v1/embeddings, /v1/models, /health, /metrics)");
  sub->add_option("-m,--model", a->models, "A GGUF model to serve (repeat for several)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--alias", a->aliases,
                  "The id clients use for the model at the same position (default: file stem)");
  sub->add_option("--host", a->server.host, "Address to listen on")->capture_default_str();
  sub->add_option("--port", a->server.port, "Port (0: any free port, printed at start)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  sub->add_option("--parallel", a->engine.n_parallel, "Sequences served at once per model")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  sub->add_option("--ctx", a->engine.n_ctx,
                  "Context per sequence (default: the model's, at most 4096)")
      ->check(CLI::Range(0, 1 << 20));
  sub->add_option("--queue", a->engine.max_queue,
                  "Requests that may wait for a slot before more get 429")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  sub->add_option("--step-tokens", a->engine.step_tokens,
                  "Token budget per scheduler step (prompt chunks + decode tokens)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 16));
  sub->add_option("--api-key", a->server.api_key,
                  "Require 'Authorization: Bearer KEY' (or set HEARTH_API_KEY)");
  sub->add_option("--cors", a->server.cors_origin,
                  "Allow browsers from this origin ('*' for any) to call the API");
  sub->add_option("--max-body", a->server.max_body_bytes, "Largest request body in bytes")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1024}, size_t{1} << 30));
  sub->add_option("--http-threads", a->server.http_threads,
                  "Connections served at once (each stream holds one)")
      ->capture_default_str()
      ->check(CLI::Range(4, 4096));
  sub->add_option("--request-deadline", a->server.request_read_deadline_s,
                  "Seconds a client has to send its whole request (head and body); slower "
                  "ones get 408 and are disconnected (responses and streams are not limited)")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  sub->add_option("-t,--threads", a->threads, "Kernel threads (default: all cores)");
  sub->callback([&exit_code, a] { exit_code = serve(*a); });
}

}  // namespace hearth::cli

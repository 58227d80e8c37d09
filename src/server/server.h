// server: the OpenAI-compatible HTTP server (chat completions, completions, embeddings, models,
// health, metrics). HTTP threads parse and validate requests, then talk to each model's Engine
// only through its queue and request handles; they never touch model state.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "server/served_model.h"

namespace hearth::server {

struct ServerOptions {
  std::string host = "127.0.0.1";  // loopback unless told otherwise
  int port = 8080;                 // 0: any free port (bind() returns it)
  std::string api_key;             // "": no authentication
  std::string cors_origin;         // "": no CORS headers; "*" or an origin
  size_t max_body_bytes = 8u << 20;
  int http_threads = 64;           // connections served at once (a stream holds one)
  int read_timeout_s = 10;         // a client that sends nothing this long is dropped
  int write_timeout_s = 10;
  int keep_alive_timeout_s = 5;    // an idle kept-alive connection is closed after this
  // A client must deliver each request, head and body, within this many seconds (counted from
  // the connection's accept for its first request, from the first byte for later ones), or
  // gets 408 and is disconnected: clients that trickle bytes cannot hold the HTTP threads.
  // Only reading the request is limited; responses and streams are not.
  int request_read_deadline_s = 30;
};

class Server {
 public:
  Server(ServerOptions options, std::vector<std::unique_ptr<ServedModel>> models);
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket; returns the port (the chosen one when options.port is 0).
  Result<int> bind();
  // Serves until stop(); call after bind(). Returns an error if listening fails.
  Status serve();
  // Thread-safe and idempotent (callable from a signal-watching thread): refuses new requests,
  // ends running generations (streams get an error event and [DONE]), waits briefly for
  // streams to flush, then closes the listener so serve() returns.
  void stop();

  struct State;  // defined in server/server_state.h

 private:
  std::unique_ptr<State> state_;
};

// Compares secrets in time that depends only on the length of `given`, not on where they
// differ.
bool constant_time_equals(const std::string& given, const std::string& expected);

}  // namespace hearth::server

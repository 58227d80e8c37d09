// server: httplib's server, but each request must arrive within a deadline, so clients that
// trickle their requests (slowloris) cannot hold its threads, and stopping wakes every
// connection that waits for its client.
#pragma once

#include <chrono>
#include <cstddef>

#include <httplib.h>

namespace hearth::server {

// httplib (0.11) gives each connection a pool thread that reads requests with only a
// per-read timeout, so a client sending a byte every few seconds keeps the thread forever.
// This overrides the per-connection loop (httplib's process_and_close_socket) to read through
// a ConnectionStream whose reads stop at the request's deadline:
//   - the first request on a connection must arrive within the deadline of the accept, so
//     slow clients that waited in the queue behind others are dropped as soon as a thread
//     takes them and the queue drains within about one deadline (a connection that waited
//     that long still gets a short grace to deliver what the kernel could not buffer);
//   - a later request on a kept-alive connection, within the deadline of its first byte.
// A request that misses its deadline is answered 408 where httplib answers at all (not while
// the request line is incomplete) and its connection is closed.
class HttpServer final : public httplib::Server {
 public:
  HttpServer();
  ~HttpServer() override;
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Both are read by connection threads: set them before listening.
  void set_request_read_deadline(std::chrono::seconds deadline) {
    request_read_deadline_ = deadline;
  }
  // The pool of connection threads (its queue records when each connection was accepted).
  void set_thread_count(size_t threads);

  // httplib::Server::stop(), and every connection waiting for its client gives up its thread
  // now rather than at its timeout. Responses being written are not cut. Idempotent.
  void stop_and_wake();

  // True on a connection thread whose current request missed its deadline (for the error
  // handler, which then answers 408).
  static bool current_request_missed_deadline();

 private:
  bool process_and_close_socket(socket_t sock) override;

  std::chrono::seconds request_read_deadline_{30};
  int wake_pipe_[2] = {-1, -1};  // [0] becomes readable when stopping
};

}  // namespace hearth::server

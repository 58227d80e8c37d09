// server: HttpServer.
#include "server/http_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>
#include <utility>

#include "base/log.h"
#include "server/connection_stream.h"

namespace hearth::server {
namespace {

using Clock = std::chrono::steady_clock;

// A connection that waited in the queue past its deadline gets this long to deliver the part
// of its request the kernel could not buffer: a slow client queued behind others then costs a
// thread about this long, not a whole deadline.
constexpr auto kQueuedGrace = std::chrono::seconds(1);

// Set on a pool thread for the task it runs: when httplib accepted that task's connection.
thread_local std::optional<Clock::time_point> tls_accepted_at;
// The connection a pool thread is serving, for current_request_missed_deadline().
thread_local const ConnectionStream* tls_connection = nullptr;

// httplib's thread pool, recording when each connection was accepted (httplib enqueues it
// right after accept()), so its deadline counts from then and not from when a thread was free.
class AcceptTimeRecordingPool final : public httplib::TaskQueue {
 public:
  explicit AcceptTimeRecordingPool(size_t threads) : pool_(threads) {}

  void enqueue(std::function<void()> fn) override {
    pool_.enqueue([fn = std::move(fn), accepted = Clock::now()] {
      tls_accepted_at = accepted;
      fn();
      tls_accepted_at.reset();
    });
  }
  void shutdown() override { pool_.shutdown(); }

 private:
  httplib::ThreadPool pool_;
};

}  // namespace

HttpServer::HttpServer() {
  if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
    // Still safe: connections then end at their timeouts instead of at once on stop().
    HEARTH_LOG_WARN("http server: no wake-up pipe ({}); stopping waits for client timeouts",
                    std::strerror(errno));
    wake_pipe_[0] = wake_pipe_[1] = -1;
  }
  set_thread_count(CPPHTTPLIB_THREAD_POOL_COUNT);
}

HttpServer::~HttpServer() {
  for (int fd : wake_pipe_) {
    if (fd >= 0) ::close(fd);
  }
}

void HttpServer::set_thread_count(size_t threads) {
  new_task_queue = [threads] { return new AcceptTimeRecordingPool(threads); };
}

void HttpServer::stop_and_wake() {
  // The byte is never read: the pipe stays readable, so every later wait ends too.
  if (wake_pipe_[1] >= 0) {
    const char byte = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_pipe_[1], &byte, 1);
  }
  stop();
}

bool HttpServer::current_request_missed_deadline() {
  return tls_connection != nullptr && tls_connection->deadline_passed();
}

// Replaces httplib's loop (keep-alive wait, then one request after another) to read through a
// ConnectionStream with a deadline per request. One stream serves the whole connection, so
// bytes of a pipelined next request stay in its buffer.
bool HttpServer::process_and_close_socket(socket_t sock) {
  const auto taken = Clock::now();
  const auto accepted = tls_accepted_at.value_or(taken);
  ConnectionStream stream(sock,
                          {std::chrono::seconds(read_timeout_sec_) +
                               std::chrono::microseconds(read_timeout_usec_),
                           std::chrono::seconds(write_timeout_sec_) +
                               std::chrono::microseconds(write_timeout_usec_)},
                          wake_pipe_[0]);
  tls_connection = &stream;
  const std::chrono::seconds keep_alive(keep_alive_timeout_sec_);
  bool ok = false;
  for (size_t left = keep_alive_max_count_; left > 0 && svr_sock_ != INVALID_SOCKET; --left) {
    const bool first = left == keep_alive_max_count_;
    if (first) {
      stream.set_deadline(std::max(accepted + request_read_deadline_, taken + kQueuedGrace));
    } else {
      stream.clear_deadline();  // idle between requests: the keep-alive timeout applies
    }
    if (!stream.wait_for_request(keep_alive)) break;
    if (!first) stream.set_deadline(Clock::now() + request_read_deadline_);
    bool connection_closed = false;
    ok = process_request(stream, /*close_connection=*/left == 1, connection_closed, nullptr);
    // After a missed deadline the rest of that request may still trickle in: never read it
    // as a next request.
    if (!ok || connection_closed || stream.deadline_passed()) break;
  }
  tls_connection = nullptr;
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace hearth::server

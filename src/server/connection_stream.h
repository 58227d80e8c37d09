// server: the byte stream of one HTTP connection. Its reads honour a deadline for the request
// being read (the defence against clients that trickle a request to hold a thread) and end
// at once when the server stops.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <httplib.h>

namespace hearth::server {

class ConnectionStream final : public httplib::Stream {
 public:
  using Clock = std::chrono::steady_clock;

  struct Timeouts {
    Clock::duration read;   // longest wait for the client's next bytes
    Clock::duration write;  // longest wait for room to send
  };

  // Does not own `sock`. `wake_fd` becomes readable when the server stops: every wait for the
  // client then ends.
  ConnectionStream(socket_t sock, Timeouts timeouts, int wake_fd);

  // The request now being read must have arrived by `deadline`: a read that would have to
  // wait past it fails instead (and deadline_passed() turns true). Bytes that have already
  // arrived are always read, so a request that waited in the server's queue is not failed for
  // the server's own delay.
  void set_deadline(Clock::time_point deadline);
  void clear_deadline() { set_deadline(Clock::time_point::max()); }
  bool deadline_passed() const { return deadline_passed_; }

  // Waits up to `idle` (and not past the deadline) for the first byte of the next request;
  // false when none came or the server is stopping.
  bool wait_for_request(Clock::duration idle);

  // httplib::Stream. httplib calls read() only while taking in a request (head, then body);
  // a response, a stream included, only writes, so the deadline never cuts one.
  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return sock_; }

 private:
  enum class Wait { kReady, kTimedOut, kWoken, kFailed };

  // Waits up to `limit` for the socket to become readable, or for the server to stop.
  Wait wait_readable(Clock::duration limit) const;
  // `limit` shortened to what is left before the deadline (zero once it has passed).
  Clock::duration until_deadline(Clock::duration limit) const;
  // Refills the buffer; the count read, 0 when the client closed, -1 on error or timeout.
  ssize_t fill_buffer();

  socket_t sock_;
  Timeouts timeouts_;
  int wake_fd_;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool deadline_passed_ = false;
  // httplib reads the request head a byte at a time: buffer, so that is one recv per packet.
  std::vector<char> buffer_;
  size_t buffer_begin_ = 0;
  size_t buffer_end_ = 0;
};

}  // namespace hearth::server

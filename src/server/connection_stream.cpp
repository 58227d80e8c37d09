// server: ConnectionStream.
#include "server/connection_stream.h"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace hearth::server {
namespace {

constexpr size_t kBufferBytes = 16 * 1024;

int poll_ms(std::chrono::steady_clock::duration d) {
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(d).count();
  return static_cast<int>(std::clamp<decltype(ms)>(ms, 0, INT_MAX));
}

// The numeric address and port of one end of `sock`; left unchanged when the socket has none.
void address_of(socket_t sock, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  if ((peer ? ::getpeername(sock, sa, &len) : ::getsockname(sock, sa, &len)) != 0) return;
  char host[NI_MAXHOST];
  if (::getnameinfo(sa, len, host, sizeof host, nullptr, 0, NI_NUMERICHOST) == 0) ip = host;
  if (addr.ss_family == AF_INET) port = ntohs(reinterpret_cast<sockaddr_in*>(sa)->sin_port);
  if (addr.ss_family == AF_INET6) port = ntohs(reinterpret_cast<sockaddr_in6*>(sa)->sin6_port);
}

}  // namespace

ConnectionStream::ConnectionStream(socket_t sock, Timeouts timeouts, int wake_fd)
    : sock_(sock), timeouts_(timeouts), wake_fd_(wake_fd), buffer_(kBufferBytes) {}

void ConnectionStream::set_deadline(Clock::time_point deadline) {
  deadline_ = deadline;
  deadline_passed_ = false;
}

ConnectionStream::Clock::duration ConnectionStream::until_deadline(Clock::duration limit) const {
  if (deadline_ == Clock::time_point::max()) return limit;
  const auto now = Clock::now();
  if (now >= deadline_) return Clock::duration::zero();
  return std::min(limit, deadline_ - now);
}

ConnectionStream::Wait ConnectionStream::wait_readable(Clock::duration limit) const {
  const auto end = Clock::now() + limit;
  for (;;) {
    pollfd fds[2] = {{sock_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const int n = ::poll(fds, wake_fd_ >= 0 ? 2 : 1, poll_ms(end - Clock::now()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Wait::kFailed;
    if (n == 0) return Wait::kTimedOut;
    if (fds[1].revents != 0) return Wait::kWoken;
    // POLLHUP or POLLERR too: the next recv reports the end or the error.
    return Wait::kReady;
  }
}

bool ConnectionStream::wait_for_request(Clock::duration idle) {
  if (buffer_begin_ < buffer_end_) return true;  // pipelined: it is already here
  return wait_readable(until_deadline(idle)) == Wait::kReady;
}

ssize_t ConnectionStream::fill_buffer() {
  for (;;) {
    // What has arrived is taken without waiting, whatever the deadline.
    const ssize_t n = ::recv(sock_, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
    if (n >= 0) {
      buffer_begin_ = 0;
      buffer_end_ = static_cast<size_t>(n);
      return n;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    const Clock::duration limit = until_deadline(timeouts_.read);
    if (limit == Clock::duration::zero() && deadline_ != Clock::time_point::max()) {
      deadline_passed_ = true;
      return -1;
    }
    if (wait_readable(limit) != Wait::kReady) {
      deadline_passed_ = deadline_ != Clock::time_point::max() && Clock::now() >= deadline_;
      return -1;
    }
  }
}

bool ConnectionStream::is_readable() const {
  return buffer_begin_ < buffer_end_ ||
         wait_readable(until_deadline(timeouts_.read)) == Wait::kReady;
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (size == 0) return 0;
  if (buffer_begin_ == buffer_end_) {
    const ssize_t n = fill_buffer();
    if (n <= 0) return n;
  }
  const size_t count = std::min(size, buffer_end_ - buffer_begin_);
  std::memcpy(ptr, buffer_.data() + buffer_begin_, count);
  buffer_begin_ += count;
  return static_cast<ssize_t>(count);
}

bool ConnectionStream::is_writable() const {
  pollfd out{sock_, POLLOUT, 0};
  int n;
  do {
    n = ::poll(&out, 1, poll_ms(timeouts_.write));
  } while (n < 0 && errno == EINTR);
  if (n <= 0 || (out.revents & (POLLERR | POLLNVAL)) != 0) return false;
  // A client that has closed its end is not written to (as httplib's own stream does): peek
  // tells a closed connection (0) from bytes the client sent on (> 0) or nothing (EAGAIN).
  char byte;
  const ssize_t peeked = ::recv(sock_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return peeked > 0 || (peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR));
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  if (!is_writable()) return -1;
  for (;;) {
    const ssize_t n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    if (n >= 0 || errno != EINTR) return n;
  }
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  address_of(sock_, /*peer=*/true, ip, port);
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  address_of(sock_, /*peer=*/false, ip, port);
}

}  // namespace hearth::server

// `hearth serve` as a real process: SIGINT and SIGTERM shut it down cleanly while a stream is
// running (the stream ends with an event and [DONE], the process exits 0), and the KV block
// gauges of /metrics are live.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "../server/http_test_client.h"
#include "hearth_process.h"

namespace hearth {
namespace {

using namespace std::chrono_literals;
using server::testing::get;
using server::testing::make_request;
using server::testing::parse_response;
using server::testing::Socket;
using server::testing::sse_data;

// A `hearth serve` child on a free port; killed if a test leaves it running.
class ServeProcess {
 public:
  explicit ServeProcess(const std::filesystem::path& log) : log_(log) {
    const std::string model = std::string(HEARTH_TESTDATA) + "/models/qwen3-Q8_0.gguf";
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, STDERR_FILENO);
      dup2(fd, STDOUT_FILENO);
      execl(HEARTH_BINARY, HEARTH_BINARY, "serve", "--model", model.c_str(), "--port", "0",
            "--parallel", "2", "--ctx", "2048", "-t", "1", static_cast<char*>(nullptr));
      _exit(127);
    }
    // The port is printed once the models are loaded.
    const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline && port_ == 0 && running()) {
      std::smatch m;
      const std::string text = test::slurp(log_);
      if (std::regex_search(text, m, listening)) port_ = std::stoi(m[1]);
      std::this_thread::sleep_for(20ms);
    }
  }
  ~ServeProcess() {
    if (pid_ > 0 && running()) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }
  std::string log() const { return test::slurp(log_); }
  bool running() {
    if (exited_) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      status_ = status;
    }
    return !exited_;
  }
  void signal(int sig) { kill(pid_, sig); }
  // The exit status, or -1 if it has not exited within the timeout (it is then killed).
  int wait_exit(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
    if (running()) return -1;
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
  }

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
  int port_ = 0;
  bool exited_ = false;
  int status_ = 0;
};

long metric(int port, const std::string& key) {
  const std::string m = get(port, "/metrics").body;
  const size_t at = m.find(key);
  return at == std::string::npos ? -1 : std::stol(m.substr(at + key.size()));
}

class ServeSignal : public ::testing::TestWithParam<int> {};

TEST_P(ServeSignal, EndsRunningStreamsAndExitsZero) {
  const int sig = GetParam();
  test::ScratchDir scratch("hearth_serve_signal");
  ServeProcess proc(scratch.path() / "serve.log");
  ASSERT_GT(proc.port(), 0) << proc.log();

  Socket s(proc.port());
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s.send_all(make_request(
      "POST", "/v1/completions",
      R"({"model":"qwen3-Q8_0","prompt":"Once upon a time","stream":true,"ignore_eos":true})")));
  std::string got;
  while (got.find("data: ") == std::string::npos) ASSERT_TRUE(s.receive(got, 10000)) << got;
  // The running stream holds KV blocks.
  EXPECT_GT(metric(proc.port(), "hearth_kv_blocks_in_use{model=\"qwen3-Q8_0\"} "), 0);

  proc.signal(sig);
  while (s.receive(got, 10000)) {
  }
  const auto events = sse_data(parse_response(got).body);
  ASSERT_GE(events.size(), 2u) << got;
  EXPECT_EQ(events.back(), "[DONE]");
  const auto last = nlohmann::json::parse(events[events.size() - 2]);
  // Cut by the shutdown (an error event naming it), unless it had just reached the context's end.
  EXPECT_TRUE(last.contains("error") || last["choices"][0]["finish_reason"] == "length")
      << last.dump();
  EXPECT_EQ(proc.wait_exit(30s), 0) << proc.log();
  const std::string log = proc.log();
  EXPECT_NE(log.find(sig == SIGINT ? "SIGINT received" : "SIGTERM received"), std::string::npos)
      << log;
  EXPECT_NE(log.find("hearth serve: stopped"), std::string::npos) << log;
  // Nothing listens any more.
  Socket after(proc.port());
  EXPECT_FALSE(after.ok() && after.send_all("GET /health HTTP/1.1\r\n\r\n") &&
               parse_response(after.receive_all(2000)).status == 200);
}

INSTANTIATE_TEST_SUITE_P(Signals, ServeSignal, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& info) {
                           return std::string(info.param == SIGINT ? "SIGINT" : "SIGTERM");
                         });

TEST(ServeSignal, IdleServerStopsAtOnce) {
  test::ScratchDir scratch("hearth_serve_signal_idle");
  ServeProcess proc(scratch.path() / "serve.log");
  ASSERT_GT(proc.port(), 0) << proc.log();
  EXPECT_EQ(get(proc.port(), "/health").status, 200);
  // Nothing runs: every block is free or cached.
  EXPECT_EQ(metric(proc.port(), "hearth_kv_blocks_in_use{model=\"qwen3-Q8_0\"} "), 0);
  EXPECT_EQ(metric(proc.port(), "hearth_kv_blocks_total{model=\"qwen3-Q8_0\"} "),
            2 * 2048 / 16);
  proc.signal(SIGTERM);
  EXPECT_EQ(proc.wait_exit(30s), 0) << proc.log();
}

}  // namespace
}  // namespace hearth

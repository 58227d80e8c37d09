// The server binds a port on which connections of a previous server (another program, say
// llama-server, or an earlier hearth) still linger in TIME_WAIT: the usual state right after
// a restart.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>

#include "test_server.h"

namespace hearth::server::testing {
namespace {

// A plain listener (SO_REUSEADDR, as most servers set it) that serves one connection and
// closes it first, leaving that connection in TIME_WAIT on `port`. Returns the port.
int leave_time_wait_connection() {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  int yes = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(::listen(listener, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  const int client = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const int accepted = ::accept(listener, nullptr, nullptr);
  ::close(accepted);  // the server side closes first: its end goes to TIME_WAIT
  char byte;
  EXPECT_EQ(::read(client, &byte, 1), 0);  // EOF
  ::close(client);
  ::close(listener);
  return ntohs(addr.sin_port);
}

TEST(ServerRestart, BindsAPortWhoseOldConnectionsLingerInTimeWait) {
  const int port = leave_time_wait_connection();
  ServerOptions options;
  options.port = port;
  auto models = load_served_models({{model_path(kChat), ""}}, engine::EngineOptions{.n_parallel = 1});
  ASSERT_TRUE(models.is_ok()) << models.message();
  Server server(options, std::move(models).value());
  auto bound = server.bind();
  ASSERT_TRUE(bound.is_ok()) << bound.message();
  EXPECT_EQ(*bound, port);
  std::thread serving([&] { EXPECT_TRUE(server.serve().is_ok()); });
  EXPECT_EQ(get(port, "/health").status, 200);
  server.stop();
  serving.join();
}

}  // namespace
}  // namespace hearth::server::testing

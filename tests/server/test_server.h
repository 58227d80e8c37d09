// An in-process hearth server on a free loopback port, serving reference test models.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "http_test_client.h"
#include "server/server.h"

namespace hearth::server::testing {

inline std::string model_path(const std::string& stem) {
  return std::string(HEARTH_TESTDATA) + "/models/" + stem + ".gguf";
}

constexpr const char* kChat = "qwen3-Q8_0";
constexpr const char* kEmbed = "bert-F16";

class TestServer {
 public:
  explicit TestServer(ServerOptions options = {}, engine::EngineOptions engine = {.n_parallel = 4},
                      std::vector<ModelSpec> specs = {{model_path(kChat), ""},
                                                      {model_path(kEmbed), ""}}) {
    options.port = 0;
    auto models = load_served_models(specs, engine);
    if (!models.is_ok()) {
      ADD_FAILURE() << models.message();
      return;
    }
    server_ = std::make_unique<Server>(options, std::move(models).value());
    auto port = server_->bind();
    if (!port.is_ok()) {
      ADD_FAILURE() << port.message();
      return;
    }
    port_ = *port;
    thread_ = std::thread([this] { EXPECT_TRUE(server_->serve().is_ok()); });
  }
  ~TestServer() { stop(); }

  void stop() {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  bool ok() const { return port_ > 0; }

 private:
  std::unique_ptr<Server> server_;
  std::thread thread_;
  int port_ = 0;
};

inline nlohmann::json json_of(const HttpResponse& r) {
  return nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
}

// The body of an OpenAI error response, checked for the schema.
inline nlohmann::json error_of(const HttpResponse& r) {
  nlohmann::json j = json_of(r);
  EXPECT_TRUE(j.is_object() && j.contains("error")) << r.status << " " << r.body;
  if (!j.is_object() || !j.contains("error")) return {};
  const auto& e = j["error"];
  EXPECT_TRUE(e["message"].is_string() && !e["message"].get<std::string>().empty());
  EXPECT_TRUE(e["type"].is_string());
  EXPECT_TRUE(e.contains("code"));
  return e;
}

inline double cosine(const std::vector<double>& a, const std::vector<double>& b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / std::sqrt(na * nb);
}

}  // namespace hearth::server::testing

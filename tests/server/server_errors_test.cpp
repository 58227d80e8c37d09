// Failures get the OpenAI error schema and the right status, and the server keeps serving:
// unknown models, malformed bodies (truncated JSON, wrong types, huge numbers, invalid UTF-8,
// 10 MB), over-long prompts, bad keys, a full queue, slow and vanishing clients, shutdown.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "test_server.h"

namespace hearth::server {
namespace {

using json = nlohmann::json;
using namespace testing;
using namespace std::chrono_literals;

class ServerErrors : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ServerOptions o;
    o.max_body_bytes = 1 << 20;
    o.read_timeout_s = 1;
    o.keep_alive_timeout_s = 1;
    server_ = new TestServer(o);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  int port() const { return server_->port(); }
  // The server still answers a real request.
  void expect_serving() {
    HttpResponse r = post(port(), "/v1/completions",
                          R"({"model":"qwen3-Q8_0","prompt":"ok","max_tokens":2})");
    EXPECT_EQ(r.status, 200) << r.body;
  }
  static TestServer* server_;
};
TestServer* ServerErrors::server_ = nullptr;

// Status, and the error's code/param when given.
void expect_error(const HttpResponse& r, int status, const std::string& code = "",
                  const std::string& param = "") {
  EXPECT_EQ(r.status, status) << r.body;
  json e = error_of(r);
  if (!code.empty()) {
    EXPECT_EQ(e["code"], code) << r.body;
  }
  if (!param.empty()) {
    EXPECT_EQ(e["param"], param) << r.body;
  }
}

TEST_F(ServerErrors, UnknownModelAndEndpoint) {
  expect_error(post(port(), "/v1/chat/completions",
                    R"({"model":"gpt-4","messages":[{"role":"user","content":"hi"}]})"),
               404, "model_not_found", "model");
  expect_error(post(port(), "/v1/embeddings", R"({"model":"nope","input":"x"})"), 404,
               "model_not_found");
  expect_error(post(port(), "/v1/nothing-here", "{}"), 404, "not_found");
  expect_error(get(port(), "/v1/chat/completions"), 404);
}

TEST_F(ServerErrors, MalformedJson) {
  const char* bodies[] = {
      R"({"model":"qwen3-Q8_0","messages":[{"role":"user","content":"hi"})",  // truncated
      R"({"model":)",
      "",
      "[1,2,3]",
      "null",
      R"({"model":"qwen3-Q8_0",})",
  };
  for (const char* b : bodies) {
    expect_error(post(port(), "/v1/chat/completions", b), 400);
  }
  // Nesting deep enough to hurt a recursive walk is refused up front.
  std::string deep = R"({"model":"qwen3-Q8_0","messages":[{"role":"user","content":"x","extra":)";
  deep += std::string(100000, '[') + std::string(100000, ']') + "}]}";
  expect_error(post(port(), "/v1/chat/completions", deep), 400);
  expect_serving();
}

TEST_F(ServerErrors, WrongTypesNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"model":"qwen3-Q8_0","messages":"hi"})", "messages"},
      {R"({"model":"qwen3-Q8_0","messages":[]})", "messages"},
      {R"({"model":"qwen3-Q8_0","messages":[{"content":"hi"}]})", "messages"},
      {R"({"model":"qwen3-Q8_0","messages":[{"role":"user","content":5}]})", "messages[0].content"},
      {R"({"model":"qwen3-Q8_0","messages":[{"role":"user","content":[{"type":"image_url"}]}]})", "messages[0].content"},
      {R"({"model":"qwen3-Q8_0","messages":[{"role":"user","content":"hi"}],"temperature":"hot"})", "temperature"},
      {R"({"model":"qwen3-Q8_0","messages":[{"role":"user","content":"hi"}],"max_tokens":"10"})", "max_tokens"},
      {R"({"model":"qwen3-Q8_0","messages":[{"role":"user","content":"hi"}],"max_tokens":2.5})", "max_tokens"},
      {R"({"model":"qwen3-Q8_0","messages":[{"role":"user","content":"hi"}],"stream":"yes"})", "stream"},
      {R"({"model":"qwen3-Q8_0","messages":[{"role":"user","content":"hi"}],"stop":[1,2]})", "stop"},
      {R"({"model":"qwen3-Q8_0","messages":[{"role":"user","content":"hi"}],"top_p":1.5})", "top_p"},
      {R"({"model":"qwen3-Q8_0","messages":[{"role":"user","content":"hi"}],"n":3})", "n"},
      {R"({"model":"qwen3-Q8_0","messages":[{"role":"user","content":"hi"}],"top_logprobs":3})", "top_logprobs"},
      {R"({"model":5,"messages":[{"role":"user","content":"hi"}]})", "model"},
      {R"({"messages":[{"role":"user","content":"hi"}]})", "model"},
  };
  for (const auto& [body, param] : cases) {
    SCOPED_TRACE(body);
    expect_error(post(port(), "/v1/chat/completions", body), 400, "", param);
  }
  expect_error(post(port(), "/v1/completions", R"({"model":"qwen3-Q8_0","prompt":{"a":1}})"), 400, "", "prompt");
  expect_error(post(port(), "/v1/completions", R"({"model":"qwen3-Q8_0","prompt":[1,99999]})"), 400);
  expect_error(post(port(), "/v1/embeddings", R"({"model":"bert-F16","input":[["a"]]})"), 400, "", "input");
  expect_error(post(port(), "/v1/embeddings", R"({"model":"bert-F16","input":"a","encoding_format":"hex"})"),
               400, "", "encoding_format");
  expect_serving();
}

TEST_F(ServerErrors, HugeNumbers) {
  const char* cases[] = {
      R"({"model":"qwen3-Q8_0","prompt":"x","max_tokens":1e30})",
      R"({"model":"qwen3-Q8_0","prompt":"x","max_tokens":99999999999999999999999})",
      R"({"model":"qwen3-Q8_0","prompt":"x","max_tokens":-5})",
      R"({"model":"qwen3-Q8_0","prompt":"x","temperature":1e400})",
      R"({"model":"qwen3-Q8_0","prompt":"x","top_k":18446744073709551615})",
      R"({"model":"qwen3-Q8_0","prompt":"x","seed":1e300})",
      R"({"model":"qwen3-Q8_0","prompt":[4294967296]})",
  };
  for (const char* body : cases) {
    SCOPED_TRACE(body);
    expect_error(post(port(), "/v1/completions", body), 400);
  }
  // A large but valid max_tokens just runs to the end of the context.
  HttpResponse r = post(port(), "/v1/completions",
                        R"({"model":"qwen3-Q8_0","prompt":"x","max_tokens":2147483647,"stop":["\n"]})");
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(ServerErrors, InvalidUtf8) {
  std::string body = R"({"model":"qwen3-Q8_0","messages":[{"role":"user","content":"bad )";
  body += "\xff\xfe\xc3";
  body += R"("}]})";
  expect_error(post(port(), "/v1/chat/completions", body), 400);
  std::string model = R"({"model":"qwen3)";
  model += "\xc3\x28";
  model += R"(","prompt":"x"})";
  expect_error(post(port(), "/v1/completions", model), 400);
  expect_serving();
}

TEST_F(ServerErrors, BodyLargerThanTheLimit) {
  std::string big = R"({"model":"qwen3-Q8_0","prompt":")" + std::string(10 << 20, 'a') + R"("})";
  HttpResponse r = post(port(), "/v1/completions", big);
  expect_error(r, 413, "payload_too_large");
  expect_serving();
}

TEST_F(ServerErrors, PromptLongerThanTheContext) {
  std::string prompt;
  for (int i = 0; i < 700; ++i) prompt += "word ";
  json body = {{"model", kChat}, {"messages", {{{"role", "user"}, {"content", prompt}}}}};
  expect_error(post(port(), "/v1/chat/completions", body.dump()), 400, "context_length_exceeded");
  json emb = {{"model", kEmbed}, {"input", prompt}};
  expect_error(post(port(), "/v1/embeddings", emb.dump()), 400, "context_length_exceeded");
}

TEST_F(ServerErrors, WrongKindOfModel) {
  expect_error(post(port(), "/v1/embeddings", R"({"model":"qwen3-Q8_0","input":"x"})"), 400, "", "model");
  expect_error(post(port(), "/v1/chat/completions",
                    R"({"model":"bert-F16","messages":[{"role":"user","content":"hi"}]})"),
               400, "", "model");
}

TEST_F(ServerErrors, SlowClientsDoNotBlockOthers) {
  // Three clients trickle a request a byte at a time; others are served meanwhile, and a
  // client that goes silent is dropped after the read timeout (1 s here).
  std::vector<std::unique_ptr<Socket>> slow;
  for (int i = 0; i < 3; ++i) {
    slow.push_back(std::make_unique<Socket>(port()));
    ASSERT_TRUE(slow.back()->send_all("POST /v1/completions HTTP/1.1\r\nHo"));
  }
  for (int i = 0; i < 5; ++i) {
    for (auto& s : slow) s->send_all("s");
    EXPECT_EQ(get(port(), "/health").status, 200);
  }
  expect_serving();
  // Silent now: the server closes these connections (possibly after a 4xx).
  for (auto& s : slow) {
    const std::string reply = s->receive_all(5000);
    EXPECT_TRUE(reply.empty() || reply.rfind("HTTP/1.1 4", 0) == 0) << reply;
  }
}

TEST_F(ServerErrors, DisconnectMidStreamCancels) {
  auto metric = [&](const std::string& key) {
    const std::string m = get(port(), "/metrics").body;
    const size_t at = m.find(key);
    return at == std::string::npos ? -1 : std::stol(m.substr(at + key.size()));
  };
  const std::string cancelled = "hearth_requests_total{model=\"qwen3-Q8_0\",outcome=\"cancelled\"} ";
  const long before = metric(cancelled);
  {
    Socket s(port());
    ASSERT_TRUE(s.send_all(make_request(
        "POST", "/v1/completions",
        R"({"model":"qwen3-Q8_0","prompt":"Once","stream":true,"ignore_eos":true})")));
    std::string got;
    while (got.find("data: ") == std::string::npos) {
      ASSERT_TRUE(s.receive(got, 5000)) << got;
    }
  }  // the client vanishes mid-stream
  // The request is cancelled (or, on a very fast machine, ran to the end of the context).
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (metric(cancelled) == before && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  const std::string length = "hearth_requests_total{model=\"qwen3-Q8_0\",outcome=\"length\"} ";
  EXPECT_TRUE(metric(cancelled) == before + 1 || metric(length) > 0);
  EXPECT_EQ(metric("hearth_slots_busy{model=\"qwen3-Q8_0\"} "), 0);
  // Its KV blocks went back to the pool with it.
  EXPECT_EQ(metric("hearth_kv_blocks_in_use{model=\"qwen3-Q8_0\"} "), 0);
  expect_serving();
}

TEST(ServerAuth, KeyIsRequiredExceptForHealth) {
  ServerOptions o;
  o.api_key = "sekret-key";
  TestServer server(o);
  ASSERT_TRUE(server.ok());
  const std::string body = R"({"model":"qwen3-Q8_0","prompt":"x","max_tokens":1})";
  expect_error(post(server.port(), "/v1/completions", body), 401, "invalid_api_key");
  expect_error(post(server.port(), "/v1/completions", body, {"Authorization: Bearer sekret-kex"}), 401);
  expect_error(post(server.port(), "/v1/completions", body, {"Authorization: Bearer sekret-key2"}), 401);
  expect_error(post(server.port(), "/v1/completions", body, {"Authorization: sekret-key"}), 401);
  expect_error(get(server.port(), "/v1/models"), 401);
  expect_error(get(server.port(), "/metrics"), 401);
  EXPECT_EQ(post(server.port(), "/v1/completions", body, {"Authorization: Bearer sekret-key"}).status, 200);
  EXPECT_EQ(get(server.port(), "/v1/models", {"Authorization: Bearer sekret-key"}).status, 200);
  EXPECT_EQ(get(server.port(), "/health").status, 200);
}

TEST(ServerCors, PreflightAndHeaders) {
  ServerOptions o;
  o.cors_origin = "https://app.example";
  TestServer server(o);
  ASSERT_TRUE(server.ok());
  HttpResponse pre = http(server.port(), make_request("OPTIONS", "/v1/chat/completions", "",
                                                      {"Origin: https://app.example",
                                                       "Access-Control-Request-Method: POST"}));
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.headers["access-control-allow-origin"], "https://app.example");
  EXPECT_NE(pre.headers["access-control-allow-headers"].find("Authorization"), std::string::npos);
  HttpResponse r = get(server.port(), "/v1/models", {"Origin: https://app.example"});
  EXPECT_EQ(r.headers["access-control-allow-origin"], "https://app.example");
  // Without --cors no such header is sent.
  TestServer plain;
  EXPECT_EQ(get(plain.port(), "/v1/models").headers.count("access-control-allow-origin"), 0u);
}

TEST(ServerQueue, FullQueueGets429) {
  TestServer server({}, {.n_parallel = 1, .n_ctx = 4096, .max_queue = 1},
                    {{model_path(kChat), ""}});
  ASSERT_TRUE(server.ok());
  // A holds the only slot (a long stream), B waits in the queue, C finds it full.
  Socket a(server.port());
  ASSERT_TRUE(a.send_all(make_request("POST", "/v1/completions",
                                      R"({"model":"qwen3-Q8_0","prompt":"A","stream":true,"ignore_eos":true})")));
  std::string got;
  while (got.find("data: ") == std::string::npos) ASSERT_TRUE(a.receive(got, 5000));
  auto b = std::async(std::launch::async, [&] {
    return post(server.port(), "/v1/completions", R"({"model":"qwen3-Q8_0","prompt":"B","max_tokens":3})");
  });
  // B is queued once /metrics shows it.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (get(server.port(), "/metrics").body.find("hearth_queue_depth{model=\"qwen3-Q8_0\"} 1") ==
             std::string::npos &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  HttpResponse c = post(server.port(), "/v1/completions", R"({"model":"qwen3-Q8_0","prompt":"C","max_tokens":3})");
  expect_error(c, 429, "queue_full");
  a.close();  // A's client leaves: its slot goes to B
  HttpResponse rb = b.get();
  EXPECT_EQ(rb.status, 200) << rb.body;
}

TEST(ServerShutdown, StreamsEndWithAnErrorEventAndDone) {
  auto server = std::make_unique<TestServer>(ServerOptions{}, engine::EngineOptions{.n_parallel = 2, .n_ctx = 4096},
                                             std::vector<ModelSpec>{{model_path(kChat), ""}});
  ASSERT_TRUE(server->ok());
  Socket s(server->port());
  ASSERT_TRUE(s.send_all(make_request("POST", "/v1/completions",
                                      R"({"model":"qwen3-Q8_0","prompt":"A","stream":true,"ignore_eos":true})")));
  std::string got;
  while (got.find("data: ") == std::string::npos) ASSERT_TRUE(s.receive(got, 5000));
  std::thread stopper([&] { server->stop(); });
  while (s.receive(got, 1000)) {
  }
  stopper.join();
  HttpResponse r = parse_response(got);
  const auto events = sse_data(r.body);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events.back(), "[DONE]");
  const json last = json::parse(events[events.size() - 2]);
  // Either the generation was cut by the shutdown (an error event), or it had just finished.
  EXPECT_TRUE(last.contains("error") || last["choices"][0]["finish_reason"] == "length") << last.dump();
}

}  // namespace
}  // namespace hearth::server

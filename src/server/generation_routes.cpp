// server: POST /v1/chat/completions and /v1/completions: parse, render the chat template,
// tokenise, submit to the model's engine, then answer whole or as a server-sent-event stream.
// A stream whose client goes away cancels its request, which frees the engine slot.
#include <chrono>
#include <memory>

#include "server/openai_request.h"
#include "server/openai_response.h"
#include "server/server_state.h"

namespace hearth::server {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// A stream that has been quiet this long gets an SSE comment: a client that left is noticed
// when the write fails, even while a long prompt is being evaluated.
constexpr auto kHeartbeat = std::chrono::seconds(2);
constexpr auto kPoll = std::chrono::milliseconds(100);

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ApiError submission_error(const engine::Submission& sub) {
  switch (sub.error) {
    case engine::SubmitError::kContextLength: return ApiError::context_length_exceeded(sub.message);
    case engine::SubmitError::kQueueFull: return ApiError::queue_full(sub.message);
    case engine::SubmitError::kUnavailable: return ApiError::unavailable(sub.message);
    default: return ApiError::bad_request(sub.message);
  }
}

// The error a request that ended without finishing (engine failure, shutdown) reports.
ApiError ended_error(const engine::Event& last) {
  if (last.finish == engine::FinishReason::kCancelled) return ApiError::unavailable(last.error);
  return ApiError::internal(last.error.empty() ? "generation failed" : last.error);
}

MaybeError build_request(const ServedModel& m, const GenerationRequest& g, bool chat,
                         engine::Request& r) {
  r.kind = engine::Request::Kind::kGenerate;
  r.params = g.params;
  if (chat) {
    auto text = m.chat->render(g.chat);
    if (!text.is_ok())
      return ApiError::bad_request("The chat template failed on these messages: " + text.message(),
                                   "messages");
    r.prompt = m.chat->tokenize(*text);
  } else if (g.prompt_is_tokens) {
    r.prompt = g.prompt_tokens;
  } else {
    r.prompt = m.model->tokenizer().encode(g.prompt_text, /*add_special=*/true, /*parse_special=*/true);
  }
  return std::nullopt;
}

struct StreamState {
  Server::State* server = nullptr;
  std::shared_ptr<engine::RequestHandle> handle;
  ResponseInfo info;
  bool include_usage = false;
  bool started = false;
  size_t text_offset = 0;
  Clock::time_point last_write = Clock::now();
};

// Called by httplib on the connection's thread until sink.done(); false drops the connection.
bool pump_stream(StreamState& st, httplib::DataSink& sink) {
  const auto write = [&](const std::string& data) {
    st.last_write = Clock::now();
    return data.empty() || sink.write(data.data(), data.size());
  };
  if (!st.started) {
    st.started = true;
    if (st.info.chat) return write(sse_event(first_chat_chunk(st.info)));
  }
  std::optional<engine::Event> ev = st.handle->next(kPoll);
  if (!ev) {
    if (Clock::now() - st.last_write >= kHeartbeat) return write(": keep-alive\n\n");
    return true;
  }
  std::string out;
  if (!ev->text.empty() || !ev->logprobs.empty())
    out += sse_event(content_chunk(st.info, *ev, st.text_offset));
  if (ev->done()) {
    if (ev->finish == engine::FinishReason::kStop || ev->finish == engine::FinishReason::kLength) {
      out += sse_event(finish_chunk(st.info, ev->finish));
      if (st.include_usage) out += sse_event(usage_chunk(st.info, *ev));
    } else {
      out += sse_event(ended_error(*ev).to_json());
    }
    out += kSseDone;
    if (!write(out)) return false;
    sink.done();
    return true;
  }
  return write(out);
}

void stream_response(Server::State& s, httplib::Response& res,
                     std::shared_ptr<engine::RequestHandle> handle, ResponseInfo info,
                     bool include_usage) {
  auto st = std::make_shared<StreamState>();
  st->server = &s;
  st->handle = std::move(handle);
  st->info = std::move(info);
  st->include_usage = include_usage;
  s.active_streams.fetch_add(1);
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream",
      [st](size_t, httplib::DataSink& sink) { return pump_stream(*st, sink); },
      // Runs however the response ends; a client that left cancels its request here (no
      // effect when it already finished).
      [st](bool) {
        st->handle->cancel();
        st->server->active_streams.fetch_sub(1);
      });
}

void handle_generation(Server::State& s, const httplib::Request& req, httplib::Response& res,
                       bool chat) {
  json body;
  if (auto e = parse_json_object(req.body, body)) return send_error(res, *e);
  GenerationRequest g;
  if (auto e = chat ? parse_chat_request(body, g) : parse_completion_request(body, g))
    return send_error(res, *e);
  ServedModel* m = s.find_model(g.model);
  if (!m) return send_error(res, ApiError::model_not_found(g.model));
  if (!m->engine->can_generate())
    return send_error(res, ApiError::bad_request(
                               fmt::format("The model '{}' is an embedding model: use /v1/embeddings",
                                           m->id),
                               "model"));
  engine::Request r;
  if (auto e = build_request(*m, g, chat, r)) return send_error(res, *e);
  engine::Submission sub = m->engine->submit(std::move(r));
  if (!sub.ok()) return send_error(res, submission_error(sub));

  ResponseInfo info{s.make_response_id(chat ? "chatcmpl" : "cmpl"), m->id, unix_now(), chat};
  if (g.stream) return stream_response(s, res, std::move(sub.handle), std::move(info), g.include_usage);
  const engine::Event all = sub.handle->wait_all();
  if (all.finish != engine::FinishReason::kStop && all.finish != engine::FinishReason::kLength)
    return send_error(res, ended_error(all));
  send_json(res, completion_body(info, all));
}

}  // namespace

void handle_chat_completions(Server::State& s, const httplib::Request& req, httplib::Response& res) {
  handle_generation(s, req, res, /*chat=*/true);
}

void handle_completions(Server::State& s, const httplib::Request& req, httplib::Response& res) {
  handle_generation(s, req, res, /*chat=*/false);
}

}  // namespace hearth::server

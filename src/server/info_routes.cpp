// server: POST /v1/embeddings, GET /v1/models and GET /health.
#include "server/openai_request.h"
#include "server/openai_response.h"
#include "server/server_state.h"

namespace hearth::server {

void handle_embeddings(Server::State& s, const httplib::Request& req, httplib::Response& res) {
  nlohmann::json body;
  if (auto e = parse_json_object(req.body, body)) return send_error(res, *e);
  EmbeddingRequest er;
  if (auto e = parse_embedding_request(body, er)) return send_error(res, *e);
  ServedModel* m = s.find_model(er.model);
  if (!m) return send_error(res, ApiError::model_not_found(er.model));
  if (!m->engine->can_embed())
    return send_error(res, ApiError::bad_request(
                               fmt::format("The model '{}' does not produce embeddings (it has no "
                                           "pooling); serve an embedding model such as BERT",
                                           m->id),
                               "model"));
  engine::Request r;
  r.kind = engine::Request::Kind::kEmbed;
  if (!er.texts.empty()) {
    for (const std::string& text : er.texts) {
      r.inputs.push_back(m->model->tokenizer().encode(text, /*add_special=*/true, /*parse_special=*/true));
    }
  } else {
    r.inputs = std::move(er.token_inputs);
  }
  engine::Submission sub = m->engine->submit(std::move(r));
  if (!sub.ok()) {
    ApiError e = sub.error == engine::SubmitError::kContextLength ? ApiError::context_length_exceeded(sub.message)
                 : sub.error == engine::SubmitError::kQueueFull   ? ApiError::queue_full(sub.message)
                 : sub.error == engine::SubmitError::kUnavailable ? ApiError::unavailable(sub.message)
                                                                  : ApiError::bad_request(sub.message, "input");
    if (e.code == "context_length_exceeded") e.param = "input";
    return send_error(res, e);
  }
  const engine::Event all = sub.handle->wait_all();
  if (all.finish != engine::FinishReason::kStop) {
    return send_error(res, all.finish == engine::FinishReason::kCancelled
                               ? ApiError::unavailable(all.error)
                               : ApiError::internal(all.error));
  }
  send_json(res, embeddings_body(m->id, all.embeddings, er.base64, all.usage.prompt_tokens));
}

void handle_models(Server::State& s, const httplib::Request&, httplib::Response& res) {
  nlohmann::json data = nlohmann::json::array();
  for (const auto& m : s.models) {
    const ModelConfig& c = m->model->config();
    data.push_back({{"id", m->id},
                    {"object", "model"},
                    {"created", m->created},
                    {"owned_by", "hearth"},
                    {"meta",
                     {{"arch", c.arch},
                      {"n_ctx", m->engine->n_ctx()},
                      {"n_ctx_train", c.n_ctx_train},
                      {"n_vocab", c.n_vocab},
                      {"n_embd", c.n_embd},
                      {"n_parallel", m->engine->n_parallel()},
                      {"capabilities", m->engine->can_generate()
                                           ? nlohmann::json::array({"completion", "chat"})
                                           : nlohmann::json::array({"embeddings"})}}}});
  }
  send_json(res, {{"object", "list"}, {"data", std::move(data)}});
}

void handle_health(Server::State& s, const httplib::Request&, httplib::Response& res) {
  if (s.stopping.load()) {
    res.status = 503;
    res.set_content(R"({"status":"stopping"})", "application/json");
    return;
  }
  send_json(res, {{"status", "ok"}, {"models", s.models.size()}});
}

}  // namespace hearth::server

// server: loading the served models.
#include "server/served_model.h"

#include <chrono>
#include <filesystem>
#include <set>

#include "base/log.h"

namespace hearth::server {

std::string model_id_from_path(const std::string& path) {
  std::filesystem::path p(path);
  std::string name = p.filename().string();
  if (name.size() > 5 && name.ends_with(".gguf")) name.resize(name.size() - 5);
  return name;
}

Result<std::vector<std::unique_ptr<ServedModel>>> load_served_models(
    const std::vector<ModelSpec>& specs, const engine::EngineOptions& options) {
  if (specs.empty()) return Status::error("no model to serve: give --model PATH");
  std::vector<std::unique_ptr<ServedModel>> out;
  std::set<std::string> ids;
  for (const ModelSpec& spec : specs) {
    auto m = std::make_unique<ServedModel>();
    m->id = spec.alias.empty() ? model_id_from_path(spec.path) : spec.alias;
    m->path = spec.path;
    if (!ids.insert(m->id).second)
      return Status::errorf("two models have the id '{}': give one of them an --alias", m->id);
    auto loaded = Model::load(spec.path);
    if (!loaded.is_ok()) return loaded.status();
    m->model = std::shared_ptr<const Model>(std::move(loaded).value());
    if (!m->model->config().is_encoder()) {
      auto chat = engine::ChatPrompt::for_model(*m->model);
      if (!chat.is_ok()) return chat.status();
      m->chat = std::move(chat).value();
      if (m->chat->uses_default_template())
        HEARTH_LOG_WARN("{}: no tokenizer.chat_template; chat uses the default ChatML template",
                        spec.path);
    }
    auto engine = engine::Engine::create(m->model, options);
    if (!engine.is_ok()) return engine.status().with_context(spec.path);
    m->engine = std::move(engine).value();
    m->created = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace hearth::server

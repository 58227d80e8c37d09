// server: the models a server serves, each with its id, its engine and (for generators) its
// chat template.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/chat_prompt.h"
#include "engine/engine.h"
#include "model/model.h"

namespace hearth::server {

struct ModelSpec {
  std::string path;
  std::string alias;  // "" -> the file name without directory and .gguf
};

struct ServedModel {
  std::string id;
  std::string path;
  std::shared_ptr<const Model> model;
  std::unique_ptr<engine::Engine> engine;
  std::optional<engine::ChatPrompt> chat;  // models that generate text
  int64_t created = 0;                     // unix seconds when loaded
};

// "models/qwen3-Q8_0.gguf" -> "qwen3-Q8_0".
std::string model_id_from_path(const std::string& path);

// Loads every model and starts its engine. Errors name the file; two models with the same id
// are an error (give one an alias).
Result<std::vector<std::unique_ptr<ServedModel>>> load_served_models(
    const std::vector<ModelSpec>& specs, const engine::EngineOptions& options);

}  // namespace hearth::server

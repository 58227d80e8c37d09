// Shared helpers for the engine tests: reference models, bounded waits, a direct generation
// loop to compare the engine against.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "model/model.h"
#include "sampling/sampler.h"

namespace hearth::engine::testing {

inline std::string testdata(const std::string& rel) { return std::string(HEARTH_TESTDATA) + "/" + rel; }

// Loads each model once per test binary.
inline std::shared_ptr<const Model> load_model(const std::string& stem) {
  static std::map<std::string, std::shared_ptr<const Model>> cache;
  auto it = cache.find(stem);
  if (it != cache.end()) return it->second;
  auto m = Model::load(testdata("models/" + stem + ".gguf"));
  if (!m.is_ok()) {
    ADD_FAILURE() << m.message();
    return nullptr;
  }
  std::shared_ptr<const Model> shared(std::move(m).value());
  cache[stem] = shared;
  return shared;
}

inline nlohmann::json load_golden(const std::string& stem) {
  std::ifstream in(testdata("golden/" + stem + ".json"));
  return nlohmann::json::parse(in);
}

// Everything a request produced, gathered with a deadline so that a hung engine fails the test
// instead of hanging it.
inline Event collect(RequestHandle& h, std::chrono::seconds deadline = std::chrono::seconds(60)) {
  Event all;
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (!all.done()) {
    if (std::chrono::steady_clock::now() > end) {
      ADD_FAILURE() << "request " << h.id() << " did not finish in time";
      h.cancel();
      break;
    }
    if (auto e = h.next(std::chrono::milliseconds(200))) all.merge(std::move(*e));
  }
  return all;
}

// Waits for the request's first event (it has been admitted and produced a token).
inline Event first_event(RequestHandle& h) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < end) {
    if (auto e = h.next(std::chrono::milliseconds(200))) return *e;
  }
  ADD_FAILURE() << "no event from request " << h.id();
  return {};
}

inline Request generate(std::vector<TokenId> prompt, int32_t max_tokens, uint32_t seed,
                        float temperature = 0.9f) {
  Request r;
  r.prompt = std::move(prompt);
  r.params.max_tokens = max_tokens;
  r.params.ignore_eos = true;
  r.params.sampling.seed = seed;
  r.params.sampling.temperature = temperature;
  r.params.sampling.top_k = 0;
  r.params.sampling.top_p = 1.0f;
  r.params.sampling.min_p = 0.0f;
  return r;
}

// The plain loop the engine must agree with: whole prompt in one call, then one token at a time.
inline std::vector<TokenId> direct_generation(const Model& model, const Request& r, int32_t n_ctx) {
  Context ctx(model, n_ctx);
  sampling::Sampler sampler(r.params.sampling);
  sampler.accept(r.prompt);
  EXPECT_TRUE(ctx.eval(r.prompt).is_ok());
  std::vector<TokenId> out;
  for (int32_t i = 0; i < r.params.max_tokens; ++i) {
    const TokenId t = sampler.sample(ctx.logits());
    sampler.accept(t);
    out.push_back(t);
    if (i + 1 < r.params.max_tokens) {
      const TokenId one[] = {t};
      EXPECT_TRUE(ctx.eval(one).is_ok());
    }
  }
  return out;
}

inline std::unique_ptr<Engine> make_engine(std::shared_ptr<const Model> model, EngineOptions o) {
  auto e = Engine::create(std::move(model), o);
  if (!e.is_ok()) {
    ADD_FAILURE() << e.message();
    return nullptr;
  }
  return std::move(e).value();
}

}  // namespace hearth::engine::testing

// server: GET /metrics in the Prometheus text format: per-model request outcomes, tokens,
// queue depth, slot use, time-to-first-token and inter-token latency histograms, and HTTP
// responses by status.
#include <fmt/format.h>

#include "server/server_state.h"

namespace hearth::server {
namespace {

void family(std::string& out, const char* name, const char* type, const char* help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// Label values escape backslash, quote and newline.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void histogram(std::string& out, const char* name, const std::string& model,
               const engine::Histogram& h) {
  const engine::Histogram::Snapshot snap = h.snapshot();
  for (size_t i = 0; i < snap.bounds.size(); ++i) {
    out += fmt::format("{}_bucket{{model=\"{}\",le=\"{}\"}} {}\n", name, model, snap.bounds[i],
                       snap.cumulative[i]);
  }
  out += fmt::format("{}_bucket{{model=\"{}\",le=\"+Inf\"}} {}\n", name, model, snap.count);
  out += fmt::format("{}_sum{{model=\"{}\"}} {}\n", name, model, snap.sum);
  out += fmt::format("{}_count{{model=\"{}\"}} {}\n", name, model, snap.count);
}

}  // namespace

std::string render_metrics(Server::State& s) {
  std::string out;
  family(out, "hearth_requests_total", "counter",
         "Requests that ended, by model and outcome (stop, length, cancelled, error, rejected).");
  for (const auto& m : s.models) {
    const engine::EngineMetrics& e = m->engine->metrics();
    const std::string id = label(m->id);
    const std::pair<const char*, uint64_t> outcomes[] = {
        {"stop", e.requests_finished_stop.load()},
        {"length", e.requests_finished_length.load()},
        {"cancelled", e.requests_cancelled.load()},
        {"error", e.requests_failed.load()},
        {"rejected_queue_full", e.requests_rejected_queue_full.load()}};
    for (const auto& [outcome, n] : outcomes)
      out += fmt::format("hearth_requests_total{{model=\"{}\",outcome=\"{}\"}} {}\n", id, outcome, n);
  }
  const auto per_model = [&](const char* name, const char* type, const char* help, auto value) {
    family(out, name, type, help);
    for (const auto& m : s.models)
      out += fmt::format("{}{{model=\"{}\"}} {}\n", name, label(m->id), value(m->engine->metrics()));
  };
  per_model("hearth_prompt_tokens_total", "counter", "Prompt tokens evaluated.",
            [](const engine::EngineMetrics& e) { return e.prompt_tokens.load(); });
  per_model("hearth_prompt_tokens_cached_total", "counter",
            "Prompt tokens whose KV blocks were reused from the prefix cache instead of being "
            "evaluated.",
            [](const engine::EngineMetrics& e) { return e.prompt_tokens_cached.load(); });
  per_model("hearth_generated_tokens_total", "counter", "Tokens generated.",
            [](const engine::EngineMetrics& e) { return e.generated_tokens.load(); });
  per_model("hearth_embedded_inputs_total", "counter", "Embedding inputs encoded.",
            [](const engine::EngineMetrics& e) { return e.embedded_inputs.load(); });
  per_model("hearth_queue_depth", "gauge", "Requests waiting for a slot.",
            [](const engine::EngineMetrics& e) { return e.queue_depth.load(); });
  per_model("hearth_slots_busy", "gauge", "Slots serving a request.",
            [](const engine::EngineMetrics& e) { return e.slots_busy.load(); });
  per_model("hearth_slots_total", "gauge", "Slots (sequences served at once).",
            [](const engine::EngineMetrics& e) { return e.slots_total; });

  // The KV block pool of each generating model (encoders have none).
  const auto per_pool = [&](const char* name, const char* help, auto value) {
    family(out, name, "gauge", help);
    for (const auto& m : s.models) {
      if (const KvBlockPool* p = m->engine->kv_pool())
        out += fmt::format("{}{{model=\"{}\"}} {}\n", name, label(m->id), value(*p));
    }
  };
  per_pool("hearth_kv_blocks_total", "KV cache blocks in the pool (each holds a fixed number of "
           "positions, given by hearth_kv_block_positions).",
           [](const KvBlockPool& p) { return p.n_blocks(); });
  per_pool("hearth_kv_block_positions", "Positions per KV cache block.",
           [](const KvBlockPool&) { return kKvBlockSize; });
  per_pool("hearth_kv_blocks_in_use", "KV cache blocks held by running sequences.",
           [](const KvBlockPool& p) { return p.blocks_in_use(); });
  per_pool("hearth_kv_blocks_cached", "Unused KV cache blocks kept for prompt prefix reuse "
           "(evicted, least recently used first, when blocks run out).",
           [](const KvBlockPool& p) { return p.blocks_cached(); });
  per_pool("hearth_kv_blocks_free", "KV cache blocks neither in use nor cached.",
           [](const KvBlockPool& p) { return p.blocks_free(); });

  family(out, "hearth_time_to_first_token_seconds", "histogram",
         "From a request's arrival to its first generated token.");
  for (const auto& m : s.models)
    histogram(out, "hearth_time_to_first_token_seconds", label(m->id),
              m->engine->metrics().time_to_first_token);
  family(out, "hearth_inter_token_latency_seconds", "histogram",
         "Between consecutive generated tokens of a request.");
  for (const auto& m : s.models)
    histogram(out, "hearth_inter_token_latency_seconds", label(m->id),
              m->engine->metrics().inter_token_latency);

  family(out, "hearth_http_responses_total", "counter", "HTTP responses by status code.");
  std::lock_guard lock(s.counters_mu);
  for (const auto& [status, n] : s.responses_by_status)
    out += fmt::format("hearth_http_responses_total{{status=\"{}\"}} {}\n", status, n);
  return out;
}

}  // namespace hearth::server

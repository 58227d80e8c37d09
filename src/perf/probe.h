// perf: the roofline probe: the machine's streaming read bandwidth and its peak f32 FMA and
// int8 dot-product rates, measured on all cores, and a cache of the result per machine.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace hearth::perf {

struct ProbeOptions {
  uint64_t buffer_bytes = 0;     // 0: 1 GiB, or a quarter of the available memory if less
  int reps = 5;                  // rounds per measurement; the best counts (a peak), median kept too
  int n_threads = 0;             // 0: every usable CPU
  double compute_seconds = 0.1;  // length of one round of the FMA and int8 loops
  std::string isa;               // "" : the widest the CPU runs; else "scalar", "avx2", "avx512"
  std::function<void(std::string_view)> progress;  // one line per step (may be empty)
};

struct ProbeResult {
  std::string cpu_model;        // cpu_model_string()
  int n_cores = 0;              // usable_cpu_count() when probed: part of the cache key
  int n_threads = 0;            // threads the probe ran
  std::string isa;              // instruction set of the probe loops
  std::string int8_kind;        // which int8 instruction sequence was timed
  uint64_t buffer_bytes = 0;    // read buffer size
  double read_gb_per_s = 0;     // best round, 1e9 bytes per second
  double read_gb_per_s_median = 0;
  double fma_gflops = 0;        // f32, 2 FLOPs per multiply-add
  double int8_gops = 0;         // 2 ops per u8 x s8 multiply-add
  std::string probed_at;        // UTC, ISO 8601

  std::string cache_key() const;
};

// Measures this machine (a second or two with the defaults). Errors if the buffer cannot be
// allocated or the requested ISA is not available.
Result<ProbeResult> run_probe(const ProbeOptions& options = {});

// "<cpu model> x <cores>": results are reused only on the same CPU model with as many cores.
std::string probe_cache_key(std::string_view cpu_model, int n_cores);
// The key for this machine.
std::string this_machine_cache_key();

nlohmann::json probe_to_json(const ProbeResult& p);
// Errors name the missing or mistyped field.
Result<ProbeResult> probe_from_json(const nlohmann::json& j);

// $XDG_CACHE_HOME/hearth/probe.json, else $HOME/.cache/hearth/probe.json; "" if neither is set.
std::string default_probe_cache_path();
// The cached result for `key`: nullopt if the file or the entry does not exist; an error if the
// file cannot be read or parsed (the caller may re-probe and overwrite it).
Result<std::optional<ProbeResult>> load_cached_probe(const std::string& path, std::string_view key);
// Stores `p` under its cache key, keeping other machines' entries (a home directory may be
// shared); creates the directory, writes a temporary file and renames it into place.
Status save_probe(const std::string& path, const ProbeResult& p);

}  // namespace hearth::perf

// perf: the probe result as JSON and its cache file (one entry per CPU model and core count).
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "perf/probe.h"

namespace hearth::perf {
namespace {

constexpr const char* kCacheFormat = "hearth-probe-cache";
constexpr int kCacheVersion = 1;

template <typename T>
Status read_field(const nlohmann::json& j, const char* key, T& out) {
  const auto it = j.find(key);
  if (it == j.end()) return Status::errorf("probe JSON: field '{}' is missing", key);
  const bool ok = std::is_same_v<T, std::string> ? it->is_string() : it->is_number();
  if (!ok) {
    return Status::errorf("probe JSON: field '{}' should be a {} but is {}", key,
                          std::is_same_v<T, std::string> ? "string" : "number", it->type_name());
  }
  out = it->template get<T>();
  return Status::ok();
}

Result<nlohmann::json> read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::errorf("probe cache '{}': cannot open: {}", path, std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::errorf("probe cache '{}': not valid JSON (corrupt file?)", path);
  return j;
}

// The cache's "machines" object; errors when the file is JSON but not a probe cache.
Result<nlohmann::json> machines_of(const nlohmann::json& cache, const std::string& path) {
  const auto format = cache.is_object() ? cache.find("format") : cache.end();
  if (!cache.is_object() || format == cache.end() || *format != kCacheFormat) {
    return Status::errorf("probe cache '{}': not a hearth probe cache (no \"format\": \"{}\")", path, kCacheFormat);
  }
  const auto version = cache.find("version");
  if (version == cache.end() || *version != kCacheVersion) {
    return Status::errorf("probe cache '{}': version {} where {} was expected (written by another hearth?)", path,
                          version == cache.end() ? "none" : version->dump(), kCacheVersion);
  }
  const auto it = cache.find("machines");
  if (it == cache.end() || !it->is_object()) {
    return Status::errorf("probe cache '{}': \"machines\" should be an object", path);
  }
  return *it;
}

}  // namespace

nlohmann::json probe_to_json(const ProbeResult& p) {
  return {{"cpu", p.cpu_model},
          {"cores", p.n_cores},
          {"threads", p.n_threads},
          {"isa", p.isa},
          {"int8_kind", p.int8_kind},
          {"buffer_bytes", p.buffer_bytes},
          {"read_gb_per_s", p.read_gb_per_s},
          {"read_gb_per_s_median", p.read_gb_per_s_median},
          {"fma_gflops", p.fma_gflops},
          {"int8_gops", p.int8_gops},
          {"probed_at", p.probed_at}};
}

Result<ProbeResult> probe_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return Status::errorf("probe JSON: expected an object, got {}", j.type_name());
  ProbeResult p;
  HEARTH_RETURN_IF_ERROR(read_field(j, "cpu", p.cpu_model));
  HEARTH_RETURN_IF_ERROR(read_field(j, "cores", p.n_cores));
  HEARTH_RETURN_IF_ERROR(read_field(j, "threads", p.n_threads));
  HEARTH_RETURN_IF_ERROR(read_field(j, "isa", p.isa));
  HEARTH_RETURN_IF_ERROR(read_field(j, "int8_kind", p.int8_kind));
  HEARTH_RETURN_IF_ERROR(read_field(j, "buffer_bytes", p.buffer_bytes));
  HEARTH_RETURN_IF_ERROR(read_field(j, "read_gb_per_s", p.read_gb_per_s));
  HEARTH_RETURN_IF_ERROR(read_field(j, "read_gb_per_s_median", p.read_gb_per_s_median));
  HEARTH_RETURN_IF_ERROR(read_field(j, "fma_gflops", p.fma_gflops));
  HEARTH_RETURN_IF_ERROR(read_field(j, "int8_gops", p.int8_gops));
  HEARTH_RETURN_IF_ERROR(read_field(j, "probed_at", p.probed_at));
  if (p.n_cores < 1 || !(p.read_gb_per_s > 0)) {
    return Status::errorf("probe JSON: cores {} and read_gb_per_s {} should be positive", p.n_cores,
                          p.read_gb_per_s);
  }
  return p;
}

std::string default_probe_cache_path() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && *xdg != '\0') return (std::filesystem::path(xdg) / "hearth" / "probe.json").string();
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home != '\0') {
    return (std::filesystem::path(home) / ".cache" / "hearth" / "probe.json").string();
  }
  return {};
}

Result<std::optional<ProbeResult>> load_cached_probe(const std::string& path, std::string_view key) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<ProbeResult>();
  HEARTH_ASSIGN_OR_RETURN(nlohmann::json cache, read_json_file(path));
  HEARTH_ASSIGN_OR_RETURN(nlohmann::json machines, machines_of(cache, path));
  const auto it = machines.find(std::string(key));
  if (it == machines.end()) return std::optional<ProbeResult>();
  auto p = probe_from_json(*it);
  if (!p) return p.status().with_context(fmt::format("probe cache '{}', entry '{}'", path, key));
  return std::optional<ProbeResult>(std::move(*p));
}

Status save_probe(const std::string& path, const ProbeResult& p) {
  namespace fs = std::filesystem;
  if (path.empty()) return Status::error("probe cache: no path (set XDG_CACHE_HOME or HOME)");
  nlohmann::json machines = nlohmann::json::object();
  std::error_code ec;
  if (fs::exists(path, ec)) {
    // Keep other machines' entries; a corrupt or foreign file is replaced.
    auto old = read_json_file(path);
    if (old) {
      auto m = machines_of(*old, path);
      if (m) machines = std::move(*m);
    }
  }
  machines[p.cache_key()] = probe_to_json(p);
  const nlohmann::json cache = {{"format", kCacheFormat}, {"version", kCacheVersion}, {"machines", machines}};

  const fs::path target(path);
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), ec);
    if (ec) return Status::errorf("probe cache: cannot create '{}': {}", target.parent_path().string(), ec.message());
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::errorf("probe cache: cannot write '{}': {}", tmp, std::strerror(errno));
    out << cache.dump(2) << '\n';
    if (!out.flush()) return Status::errorf("probe cache: writing '{}' failed (disk full?)", tmp);
  }
  fs::rename(tmp, target, ec);
  if (ec) return Status::errorf("probe cache: cannot rename '{}' to '{}': {}", tmp, path, ec.message());
  return Status::ok();
}

}  // namespace hearth::perf

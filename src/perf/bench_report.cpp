#include "perf/bench_report.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "tensor/dtype.h"

namespace hearth::perf {
namespace {

std::string human_count(double n) {
  if (n >= 1e9) return fmt::format("{:.2f}B", n / 1e9);
  if (n >= 1e6) return fmt::format("{:.2f}M", n / 1e6);
  return fmt::format("{:.1f}K", n / 1e3);
}

std::string human_bytes(double n) {
  if (n >= 1024.0 * 1024 * 1024) return fmt::format("{:.2f} GiB", n / (1024.0 * 1024 * 1024));
  if (n >= 1024.0 * 1024) return fmt::format("{:.2f} MiB", n / (1024.0 * 1024));
  return fmt::format("{:.1f} KiB", n / 1024.0);
}

std::string peak_name(PeakKind k) { return k == PeakKind::kInt8 ? "int8" : "f32 FMA"; }

struct Column {
  std::string header;
  bool right_aligned;
};

// The cells of one result row, in the order of table_columns().
std::vector<std::string> row_cells(const BenchRow& row) {
  const bool pp = row.kind == BenchKind::kPrompt;
  return {row.test,
          fmt::format("{:.2f} ± {:.2f}", row.tokens_per_s, row.stddev),
          human_bytes(row.bytes_per_token),
          fmt::format("{:.2f}", row.gb_per_s),
          fmt::format("{:.1f}", row.roofline_pct),
          pp ? fmt::format("{:.1f}", row.gflops) : "",
          pp ? fmt::format("{:.1f} ({})", row.pct_of_peak, peak_name(row.peak)) : ""};
}

std::vector<Column> table_columns() {
  return {{"test", false},    {"t/s", true},         {"weights/token", true}, {"GB/s", true},
          {"roofline %", true}, {"GFLOP/s", true}, {"% of peak", true}};
}

std::string probe_line(const ProbeResult& p) {
  return fmt::format("probe: {} x {}: read {:.1f} GB/s, f32 FMA {:.1f} GFLOP/s, int8 {:.1f} GOP/s ({}, {})",
                     p.cpu_model, p.n_cores, p.read_gb_per_s, p.fma_gflops, p.int8_gops, p.int8_kind, p.probed_at);
}

}  // namespace

BenchRow make_row(const BenchSamples& s, const WeightTraffic& traffic, const ModelConfig& config,
                  const ProbeResult& probe, PeakKind peak) {
  BenchRow row;
  row.test = s.test;
  row.kind = s.kind;
  row.n_tokens = s.n_tokens;
  row.tokens_per_s = s.tokens_per_s.mean;
  row.stddev = s.tokens_per_s.stddev;
  row.bytes_per_token = s.kind == BenchKind::kPrompt ? traffic.bytes_per_batch_token(s.n_tokens)
                                                     : static_cast<double>(traffic.bytes_per_token());
  row.gb_per_s = row.bytes_per_token * row.tokens_per_s / 1e9;
  row.roofline_pct = probe.read_gb_per_s > 0 ? 100.0 * row.gb_per_s / probe.read_gb_per_s : 0.0;
  row.peak = peak;
  if (s.kind == BenchKind::kPrompt && s.n_tokens > 0) {
    const double flops_per_token =
        traffic.matmul_flops_per_prompt_token(s.n_tokens) + attention_flops(config, 0, s.n_tokens) / s.n_tokens;
    row.gflops = flops_per_token * row.tokens_per_s / 1e9;
    const double peak_rate = peak == PeakKind::kInt8 ? probe.int8_gops : probe.fma_gflops;
    row.pct_of_peak = peak_rate > 0 ? 100.0 * row.gflops / peak_rate : 0.0;
  }
  return row;
}

std::string model_label(const std::string& arch, const std::vector<gguf::TensorInfo>& tensors) {
  std::map<std::string_view, uint64_t> bytes_by_type;
  uint64_t params = 0;
  for (const auto& t : tensors) {
    params += t.n_elements;
    if (t.ne.size() >= 2 && t.known_type) bytes_by_type[dtype_name(t.dtype)] += t.nbytes;
  }
  std::string_view dominant = "?";
  uint64_t most = 0;
  for (const auto& [name, bytes] : bytes_by_type) {
    if (bytes > most) {
      most = bytes;
      dominant = name;
    }
  }
  return fmt::format("{} {} {}", arch, human_count(static_cast<double>(params)), dominant);
}

nlohmann::json report_json(const BenchReport& r) {
  nlohmann::json results = nlohmann::json::array();
  for (const BenchRow& row : r.rows) {
    nlohmann::json j = {{"test", row.test},
                        {"tokens_per_s", row.tokens_per_s},
                        {"stddev", row.stddev},
                        {"bytes_per_token", row.bytes_per_token},
                        {"gb_per_s", row.gb_per_s},
                        {"roofline_pct", row.roofline_pct}};
    if (row.kind == BenchKind::kPrompt) {
      j["gflops"] = row.gflops;
      j["pct_of_peak"] = row.pct_of_peak;
    }
    results.push_back(std::move(j));
  }
  return {{"model", r.model}, {"threads", r.threads}, {"isa", r.isa}, {"probe", probe_to_json(r.probe)},
          {"results", std::move(results)}};
}

std::string report_markdown(const BenchReport& r) {
  std::string out =
      "| model | size | params | isa | threads | test | t/s | GB/s | roofline % | GFLOP/s | % of peak |\n"
      "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  for (const BenchRow& row : r.rows) {
    const bool pp = row.kind == BenchKind::kPrompt;
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {:.2f} ± {:.2f} | {:.2f} | {:.1f} | {} | {} |\n",
                       r.model_label, human_bytes(static_cast<double>(r.model_bytes)),
                       human_count(static_cast<double>(r.n_params)), r.isa, r.threads, row.test, row.tokens_per_s,
                       row.stddev, row.gb_per_s, row.roofline_pct, pp ? fmt::format("{:.1f}", row.gflops) : "",
                       pp ? fmt::format("{:.1f} ({})", row.pct_of_peak, peak_name(row.peak)) : "");
  }
  out += '\n';
  out += probe_line(r.probe);
  out += '\n';
  return out;
}

std::string report_table(const BenchReport& r) {
  const std::vector<Column> columns = table_columns();
  std::vector<std::vector<std::string>> cells;
  for (const BenchRow& row : r.rows) cells.push_back(row_cells(row));
  std::vector<size_t> width(columns.size());
  // Widths in code points: "±" is two bytes but one column.
  const auto display_width = [](const std::string& s) {
    return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
  };
  for (size_t c = 0; c < columns.size(); ++c) {
    width[c] = display_width(columns[c].header);
    for (const auto& line : cells) width[c] = std::max(width[c], display_width(line[c]));
  }
  const auto format_line = [&](const std::vector<std::string>& line) {
    std::string text;
    for (size_t c = 0; c < columns.size(); ++c) {
      const std::string pad(width[c] - display_width(line[c]), ' ');
      text += c == 0 ? "" : "  ";
      text += columns[c].right_aligned ? pad + line[c] : line[c] + pad;
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text + "\n";
  };
  std::string out = fmt::format("model: {} ({}, {}), {} threads, kernels {}\n", r.model, r.model_label,
                                human_bytes(static_cast<double>(r.model_bytes)), r.threads, r.isa);
  std::vector<std::string> header;
  for (const Column& c : columns) header.push_back(c.header);
  out += format_line(header);
  for (const auto& line : cells) out += format_line(line);
  out += probe_line(r.probe) + "\n";
  return out;
}

}  // namespace hearth::perf

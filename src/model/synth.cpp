// model/synth: plans a random model (config, metadata, tensor types) and streams it to disk.
#include "model/synth.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "base/check.h"
#include "base/thread_pool.h"
#include "gguf/gguf_writer.h"
#include "model/arch.h"
#include "model/synth_quantize.h"
#include "model/synth_stream_writer.h"
#include "model/synth_vocab.h"

namespace hearth::synth {
namespace {

// general.description starts with this; has_random_weights() looks for it.
constexpr std::string_view kRandomWeightsMarker = "RANDOM WEIGHTS";
constexpr float kWeightStd = 0.02f;  // the usual initialisation scale of transformer weights
constexpr uint64_t kChunkBytes = 16u << 20;  // quantised bytes generated per write

// ---- tensor types --------------------------------------------------------------------------

bool is_quantised(const WeightScheme& s) {
  return s.q4_k_m || !(s.type == DType::F32 || s.type == DType::F16 || s.type == DType::BF16);
}

// Where a type needs whole blocks that a row length does not hold, llama.cpp falls back to a
// type with smaller blocks; so does synth.
DType fit_row(DType t, uint64_t row_len) {
  if (row_bytes(t, row_len)) return t;
  switch (t) {
    case DType::Q2_K:
    case DType::Q3_K:
    case DType::IQ4_XS:
      t = DType::IQ4_NL;
      break;
    case DType::Q4_K:
      t = DType::Q5_0;
      break;
    case DType::Q5_K:
      t = DType::Q5_1;
      break;
    case DType::Q6_K:
      t = DType::Q8_0;
      break;
    default:
      break;
  }
  return row_bytes(t, row_len) ? t : DType::F16;
}

// Layers that get more bits in llama.cpp's _M mixes: the first and last eighth, and every
// third layer in between.
bool uses_more_bits(int layer, int n_layer) {
  return layer < n_layer / 8 || layer >= 7 * n_layer / 8 || (layer - n_layer / 8) % 3 == 2;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

int layer_of(std::string_view name) {  // "blk.12.attn_v.weight" -> 12; -1 for global tensors
  if (name.substr(0, 4) != "blk.") return -1;
  return std::atoi(std::string(name.substr(4)).c_str());
}

DType choose_type(const TensorSpec& spec, const WeightScheme& scheme, const ModelConfig& c) {
  const std::string_view name = spec.name;
  // 1-D tensors, the router (tiny and precision-sensitive) and BERT's position and token-type
  // tables stay F32, as llama.cpp's converter and quantizer leave them.
  if (!spec.matrix || name.find("ffn_gate_inp") != std::string_view::npos ||
      name == "position_embd.weight" || name == "token_types.weight")
    return DType::F32;
  DType t = scheme.type;
  if (scheme.q4_k_m) {
    const int layer = layer_of(name);
    const bool is_output =
        name == "output.weight" || (name == "token_embd.weight" && c.tied_output);
    const bool sensitive = ends_with(name, "attn_v.weight") || ends_with(name, "ffn_down.weight") ||
                           ends_with(name, "ffn_down_exps.weight");
    if (is_output || (sensitive && uses_more_bits(layer, c.n_layer))) t = DType::Q6_K;
  }
  return fit_row(t, spec.ne[0]);
}

// Optional tensors the real models of an architecture have: BERT's biases and token types,
// and the output projection of untied decoders.
bool wanted_optional(const TensorSpec& spec, const ModelConfig& c) {
  if (c.arch == "bert") return true;
  return spec.name == "output.weight" && !c.tied_output;
}

// ---- random values -------------------------------------------------------------------------

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t name_hash(std::string_view s) {  // FNV-1a
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : s) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
  return h;
}

enum class Init { kNormal, kOnes, kZeros };

Init init_of(const TensorSpec& spec) {
  if (ends_with(spec.name, "norm.weight") || spec.name == "rope_freqs.weight") return Init::kOnes;
  if (ends_with(spec.name, "norm.bias")) return Init::kZeros;
  return Init::kNormal;
}

// Row `row` of a tensor depends only on (seed, tensor name, row): the file is the same however
// the rows are split between threads.
// `scale` multiplies the standard deviation.
void fill_row(Init init, uint64_t tensor_seed, uint64_t row, float scale, float* out, uint64_t n) {
  if (init != Init::kNormal) {
    std::fill(out, out + n, init == Init::kOnes ? 1.0f : 0.0f);
    return;
  }
  // Irwin-Hall: the sum of four uniforms (16 bits each, from one 64-bit draw) has the normal's
  // mean and, scaled by sqrt(3), its variance, with tails cut at 3.5 sigma. Close enough for
  // random weights, and several times cheaper than Box-Muller's log, sqrt and sincos.
  const float unit = scale * kWeightStd * 1.7320508f / 65536.0f;
  uint64_t state = tensor_seed ^ (row * 0xD1B54A32D192ED03ull);
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t bits = splitmix64(state);
    const int64_t sum = static_cast<int64_t>((bits & 0xFFFF) + ((bits >> 16) & 0xFFFF) +
                                             ((bits >> 32) & 0xFFFF) + (bits >> 48));
    out[i] = static_cast<float>(sum - 2 * 65535) * unit;
  }
}

// ---- config and metadata ---------------------------------------------------------------------

ModelConfig shape_config(const SynthShape& s, int32_t n_vocab, std::string name) {
  ModelConfig c;
  c.arch = s.arch;
  c.name = std::move(name);
  c.n_vocab = n_vocab;
  c.n_ctx_train = s.n_ctx;
  c.n_embd = s.n_embd;
  c.n_layer = s.n_layer;
  c.n_head = s.n_head;
  c.n_head_kv = s.n_head_kv;
  c.head_dim_k = c.head_dim_v =
      s.head_dim > 0 ? s.head_dim : (s.n_head > 0 ? s.n_embd / s.n_head : 0);
  c.n_ff = s.n_ff;
  c.n_expert = s.n_expert;
  c.n_expert_used = s.n_expert_used;
  c.n_ff_expert = s.n_ff_expert;
  c.rope_theta = s.rope_theta;
  c.n_rot = c.head_dim_k;
  c.tied_output = s.tied_output;
  const bool bert = s.arch == "bert";
  c.norm = bert ? NormKind::kLayer : NormKind::kRms;
  c.norm_eps = bert ? 1e-12f : (s.arch == "llama" ? 1e-5f : 1e-6f);
  c.rope = bert ? RopeStyle::kNone : RopeStyle::kNormal;
  c.causal = !bert;
  c.pooling = bert ? Pooling::kMean : Pooling::kNone;
  c.n_token_types = bert ? 2 : 0;
  c.layers.assign(
      static_cast<size_t>(std::max(s.n_layer, 0)),
      LayerConfig{.sliding_window = 0, .rope_theta = s.rope_theta, .is_moe = s.n_expert > 0});
  if (s.arch == "gemma3") {
    // Gemma 3: five local (sliding-window, rope base 1e4) layers per global one. The period is
    // cut to the layer count so that even a 2-layer model has both kinds.
    const int32_t period = std::min(6, s.n_layer);
    const int32_t window = std::clamp(s.n_ctx / 32, 16, 512);
    for (int32_t il = 0; il < s.n_layer; ++il) {
      if (il % period == period - 1) continue;
      c.layers[il].sliding_window = window;
      c.layers[il].rope_theta = 10000.0f;
    }
  }
  return c;
}

Status check_shape(const SynthShape& s) {
  const auto archs = synth_architectures();
  if (std::find(archs.begin(), archs.end(), s.arch) == archs.end())
    return Status::errorf("synth cannot write architecture '{}' (it writes: {})", s.arch,
                          fmt::join(archs, ", "));
  const auto positive = [](std::string_view what, int64_t v) {
    return v > 0 ? Status::ok() : Status::errorf("{} must be > 0, got {}", what, v);
  };
  HEARTH_RETURN_IF_ERROR(positive("--n-embd", s.n_embd));
  HEARTH_RETURN_IF_ERROR(positive("--n-layer", s.n_layer));
  HEARTH_RETURN_IF_ERROR(positive("--n-head", s.n_head));
  HEARTH_RETURN_IF_ERROR(positive("--n-head-kv", s.n_head_kv));
  HEARTH_RETURN_IF_ERROR(positive("--n-ctx", s.n_ctx));
  if (s.head_dim == 0 && s.n_embd % s.n_head != 0)
    return Status::errorf("--n-embd {} is not a multiple of --n-head {} (or give --head-dim)",
                          s.n_embd, s.n_head);
  if (s.n_expert > 0) {
    HEARTH_RETURN_IF_ERROR(positive("--n-expert-used", s.n_expert_used));
    HEARTH_RETURN_IF_ERROR(positive("--n-ff-expert", s.n_ff_expert));
    if (s.n_expert_used > s.n_expert)
      return Status::errorf("--n-expert-used {} exceeds --n-expert {}", s.n_expert_used,
                            s.n_expert);
  } else if (s.arch == "qwen3moe") {
    return Status::error("qwen3moe needs --n-expert, --n-expert-used and --n-ff-expert > 0");
  } else {
    HEARTH_RETURN_IF_ERROR(positive("--n-ff", s.n_ff));
  }
  return Status::ok();
}

// Reads the metadata back with the loader's own config reader, so that synth writes only what
// Model::load accepts and the tensor table matches what it will look for.
Result<ModelConfig> reread_config(const std::vector<gguf::KeyValue>& kvs) {
  gguf::GgufWriter meta;
  for (const auto& kv : kvs) meta.set(kv.key, kv.value);
  const std::vector<uint8_t> bytes = meta.to_bytes();
  HEARTH_ASSIGN_OR_RETURN(auto file, gguf::GgufFile::from_memory(bytes, "<synth metadata>"));
  return config_from_gguf(*file);
}

struct PlannedTensor {
  TensorDecl decl;
  Init init = Init::kNormal;
  uint64_t n_rows = 1;
  std::vector<float> row_scale;  // per-row factor on the standard deviation; empty: all 1
  uint64_t nbytes() const { return *row_bytes(decl.dtype, decl.ne[0]) * n_rows; }
};

// The logits of quiet tokens (SynthVocab::quiet) come from rows this much smaller, so they sit
// near zero, below the top-k cut, while the other tokens' logits spread.
constexpr float kQuietRowScale = 0.1f;

// Every tensor Model::load will look for, with the type and initial values synth gives it.
std::vector<PlannedTensor> plan_tensors(const ModelConfig& config, const WeightScheme& scheme,
                                        const SynthVocab& vocab) {
  std::vector<PlannedTensor> plan;
  for (const TensorSpec& spec : tensor_specs(config)) {
    if (!spec.required && !wanted_optional(spec, config)) continue;
    PlannedTensor t;
    t.decl = {spec.name, spec.ne, choose_type(spec, scheme, config)};
    t.init = init_of(spec);
    for (size_t i = 1; i < spec.ne.size(); ++i) t.n_rows *= spec.ne[i];
    const bool projects_logits =
        spec.name == "output.weight" || (spec.name == "token_embd.weight" && config.tied_output);
    if (projects_logits && t.n_rows == vocab.quiet.size()) {
      t.row_scale.assign(t.n_rows, 1.0f);
      for (size_t id = 0; id < vocab.quiet.size(); ++id)
        if (vocab.quiet[id]) t.row_scale[id] = kQuietRowScale;
    }
    plan.push_back(std::move(t));
  }
  return plan;
}

// general.* and tokenizer.* keys beside the architecture's own.
void add_file_metadata(const SynthOptions& o, const SynthVocab& vocab,
                       std::vector<gguf::KeyValue>& kvs) {
  const auto add = [&kvs](std::string key, gguf::Value v) {
    kvs.push_back({std::move(key), std::move(v)});
  };
  add("general.type", gguf::Value::of_string("model"));
  add("general.description",
      gguf::Value::of_string(fmt::format(
          "{} written by `hearth synth` (seed {}): not a trained model, its output is "
          "gibberish. It exists to try and test the pipeline; use a trained GGUF model for text.",
          kRandomWeightsMarker, o.seed)));
  add("general.file_type", gguf::Value::of_uint(gguf::ValueType::UINT32, o.scheme.file_type));
  if (is_quantised(o.scheme))
    add("general.quantization_version", gguf::Value::of_uint(gguf::ValueType::UINT32, 2));
  for (auto& [key, value] : vocab_metadata(vocab)) add(key, std::move(value));
}

std::string human_bytes(uint64_t n) {
  if (n >= (1ull << 30)) return fmt::format("{:.2f} GiB", static_cast<double>(n) / (1ull << 30));
  return fmt::format("{:.1f} MiB", static_cast<double>(n) / (1ull << 20));
}

// Fails early, rather than after minutes of writing, when the model cannot fit on the disk.
Status check_free_space(const std::string& path, uint64_t data_bytes) {
  std::error_code ec;
  const std::filesystem::path parent = std::filesystem::absolute(path, ec).parent_path();
  const auto space = std::filesystem::space(parent, ec);
  if (ec) return Status::ok();  // unknown: creating the file will report a missing directory
  if (space.available < data_bytes)
    return Status::errorf("'{}' needs {} but only {} are free on its disk", path,
                          human_bytes(data_bytes), human_bytes(space.available));
  return Status::ok();
}

// "[synth]  42%  1.20 GiB of 2.30 GiB  blk.7.ffn_up.weight" on stderr, redrawn in place at most
// every 200 ms, so that writing a large model shows it is alive without flooding a log.
class ProgressLine {
 public:
  ProgressLine(bool enabled, uint64_t total)
      : enabled_(enabled), total_(std::max<uint64_t>(total, 1)) {}
  void add(uint64_t bytes, std::string_view tensor) {
    done_ += bytes;
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (done_ < total_ && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    fmt::print(stderr, "\r[synth] {:3.0f}%  {} of {}  {:<40}",
               100.0 * static_cast<double>(done_) / static_cast<double>(total_), human_bytes(done_),
               human_bytes(total_), tensor);
    std::fflush(stderr);
  }
  void finish() {
    if (enabled_) fmt::print(stderr, "\n");
  }

 private:
  bool enabled_;
  uint64_t total_, done_ = 0;
  std::chrono::steady_clock::time_point last_{};
};

// Generates and writes one tensor in chunks of rows, the rows of a chunk spread over the pool.
Status write_tensor(const PlannedTensor& t, uint64_t seed, ThreadPool& pool,
                    GgufStreamWriter& writer, ProgressLine& progress) {
  const uint64_t row_len = t.decl.ne[0];
  const uint64_t rb = *row_bytes(t.decl.dtype, row_len);
  const uint64_t chunk_rows = std::clamp<uint64_t>(kChunkBytes / rb, 1, t.n_rows);
  std::vector<uint8_t> chunk(chunk_rows * rb);
  const uint64_t tensor_seed = seed ^ name_hash(t.decl.name);
  constexpr uint64_t kRowsPerTask = 8;
  for (uint64_t first = 0; first < t.n_rows; first += chunk_rows) {
    const uint64_t rows = std::min(chunk_rows, t.n_rows - first);
    const auto n_tasks = static_cast<int64_t>((rows + kRowsPerTask - 1) / kRowsPerTask);
    pool.parallel_for(n_tasks, [&](int64_t task) {
      std::vector<float> values(row_len);
      const uint64_t begin = static_cast<uint64_t>(task) * kRowsPerTask;
      for (uint64_t r = begin; r < std::min(rows, begin + kRowsPerTask); ++r) {
        const float scale = t.row_scale.empty() ? 1.0f : t.row_scale[first + r];
        fill_row(t.init, tensor_seed, first + r, scale, values.data(), row_len);
        // Types and row lengths were checked when the tensor was planned.
        HEARTH_CHECK(quantize_row(t.decl.dtype, values.data(), chunk.data() + r * rb,
                                  static_cast<int64_t>(row_len))
                         .is_ok());
      }
    });
    HEARTH_RETURN_IF_ERROR(writer.write(chunk.data(), rows * rb));
    progress.add(rows * rb, t.decl.name);
  }
  return Status::ok();
}

}  // namespace

bool has_random_weights(const gguf::GgufFile& file) {
  auto description = file.get_string_or("general.description", "");
  return description.is_ok() && description->find(kRandomWeightsMarker) != std::string::npos;
}

Result<SynthSummary> write_synth_model(const SynthOptions& o, const std::string& path) {
  const SynthShape& shape = o.shape;
  HEARTH_RETURN_IF_ERROR(check_shape(shape));
  HEARTH_ASSIGN_OR_RETURN(SynthVocab vocab, shape.arch == "bert"
                                                ? make_wordpiece_vocab(shape.n_vocab)
                                                : make_bpe_vocab(shape.n_vocab));
  const auto n_vocab = static_cast<int32_t>(vocab.tokens.size());
  const std::string name =
      fmt::format("random-weights {} {} {}", o.shape_name, shape.arch, o.scheme.name);
  std::vector<gguf::KeyValue> kvs = config_to_gguf(shape_config(shape, n_vocab, name));
  add_file_metadata(o, vocab, kvs);

  HEARTH_ASSIGN_OR_RETURN(ModelConfig config, reread_config(kvs));
  // What only the tensors tell a reader: whether the output is tied, BERT's token types.
  config.tied_output = shape.tied_output;
  if (shape.arch == "bert") config.n_token_types = 2;
  const std::vector<PlannedTensor> plan = plan_tensors(config, o.scheme, vocab);
  if (plan.empty()) return Status::errorf("architecture '{}' has no tensor table", shape.arch);

  SynthSummary summary;
  summary.n_vocab = n_vocab;
  summary.n_tensors = plan.size();
  std::vector<TensorDecl> decls;
  uint64_t data_bytes = 0;
  for (const auto& t : plan) {
    decls.push_back(t.decl);
    summary.n_params += t.n_rows * t.decl.ne[0];
    data_bytes += t.nbytes();
  }
  HEARTH_RETURN_IF_ERROR(check_free_space(path, data_bytes));
  HEARTH_ASSIGN_OR_RETURN(auto writer, GgufStreamWriter::create(path, kvs, std::move(decls)));
  const int n_threads =
      o.n_threads > 0 ? o.n_threads : static_cast<int>(std::thread::hardware_concurrency());
  ThreadPool pool(n_threads);
  ProgressLine progress(o.progress, data_bytes);
  for (const auto& t : plan)
    HEARTH_RETURN_IF_ERROR(write_tensor(t, o.seed, pool, *writer, progress));
  progress.finish();
  summary.file_bytes = writer->bytes_written();
  HEARTH_RETURN_IF_ERROR(writer->finish());
  return summary;
}

}  // namespace hearth::synth

// model: loading a model (config, weights, tokenizer) and the per-sequence Context.
#include "model/model.h"

#include <algorithm>
#include <cmath>

#include "base/log.h"
#include "model/arch.h"
#include "model/forward.h"
#include "model/weight_repack.h"
#include "model/weights.h"

namespace hearth {

Result<std::unique_ptr<Model>> Model::load(const std::string& path) {
  std::unique_ptr<Model> m(new Model());
  auto file = gguf::GgufFile::open(path);
  if (!file) {
    // The reader's messages usually name the file already.
    if (file.message().find(path) != std::string::npos) return file.status();
    return file.status().with_context(path);
  }
  m->file_ = std::move(file).value();

  auto config = config_from_gguf(*m->file_);
  if (!config) return config.status().with_context(path);
  m->config_ = std::move(config).value();

  auto weights = bind_weights(*m->file_, m->config_);
  if (!weights) return weights.status().with_context(path);
  m->weights_ = std::make_unique<ModelWeights>(std::move(weights).value());
  if (repack_enabled()) {
    auto repacked = repack_weights(*m->weights_);
    if (!repacked) return repacked.status().with_context(path);
    m->repacked_ = std::make_unique<RepackedWeights>(std::move(repacked).value());
    if (m->repacked_->tensors() > 0) {
      HEARTH_LOG_INFO("{}: {} matrices repacked into interleaved rows ({:.1f} MiB of anonymous memory; "
                      "HEARTH_REPACK=0 reads the file mapping instead)",
                      path, m->repacked_->tensors(), static_cast<double>(m->repacked_->bytes()) / (1 << 20));
    }
  }

  auto tokenizer = Tokenizer::from_gguf(*m->file_);
  if (!tokenizer) return tokenizer.status().with_context(path + ": tokenizer");
  m->tokenizer_ = std::move(tokenizer).value();

  HEARTH_LOG_INFO("{}: {} '{}', {} layers, n_embd {}, n_vocab {}", path, m->config_.arch,
                  m->config_.name, m->config_.n_layer, m->config_.n_embd, m->config_.n_vocab);
  return m;
}

Model::~Model() = default;

struct Context::State {
  Forward forward;
  std::vector<float> logits;  // [n_rows][n_vocab] of the last eval
  int32_t n_rows = 0;         // rows held: the last eval's token count, or 1
  int32_t n_last = 0;         // token count of the last eval
  std::vector<float> gathered;  // eval_batch: logits of several contexts' last rows

  State(const Model& m, int32_t n_ctx, int32_t max_batch, std::shared_ptr<KvBlockPool> pool)
      : forward(m.config(), m.weights(), n_ctx, max_batch, std::move(pool)) {}
};

namespace {

// Batches are split to bound scratch memory; encoders need the whole input in one batch.
constexpr int32_t kMaxBatch = 512;

// Checked before anything runs, so that a bad id leaves the context as it was.
Status check_token_ids(std::span<const TokenId> tokens, int64_t n_vocab) {
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= n_vocab) {
      return Status::errorf("token id {} (at index {}) is out of range [0, {})", tokens[i], i,
                            n_vocab);
    }
  }
  return Status::ok();
}

}  // namespace

Context::Context(const Model& model, int32_t n_ctx) : Context(model, n_ctx, nullptr) {}

Context::Context(const Model& model, int32_t n_ctx, std::shared_ptr<KvBlockPool> pool)
    : model_(model), n_ctx_(n_ctx > 0 ? n_ctx : model.config().n_ctx_train) {
  n_ctx_ = std::max(n_ctx_, 1);
  const int32_t max_batch = model.config().causal ? std::min(n_ctx_, kMaxBatch) : n_ctx_;
  state_ = std::make_unique<State>(model, n_ctx_, max_batch, std::move(pool));
}

Context::~Context() = default;

void Context::truncate(int32_t n_keep) {
  n_past_ = n_keep < 0 ? 0 : (n_keep < n_past_ ? n_keep : n_past_);
  state_->forward.kv_cache().truncate(n_past_);
}

int32_t Context::reuse_prefix(std::span<const TokenId> tokens, int32_t max_tokens) {
  state_->n_rows = 0;
  state_->n_last = 0;
  n_past_ = state_->forward.kv_cache().reuse_prefix(tokens, std::min(max_tokens, n_ctx_));
  return n_past_;
}

void Context::publish_prefix(std::span<const TokenId> tokens) {
  const size_t n = std::min(tokens.size(), static_cast<size_t>(n_past_));
  state_->forward.kv_cache().publish_prefix(tokens.first(n));
}

const KvCache& Context::kv_cache() const { return state_->forward.kv_cache(); }

void Context::set_reference_batching(bool on) { state_->forward.set_tiled_batches(on); }

Status Context::begin_eval(std::span<const TokenId> tokens, bool all_logits) {
  const ModelConfig& c = model_.config();
  if (c.is_encoder()) {
    return Status::errorf("{} is an encoder without logits; use embed()", c.arch);
  }
  const int64_t n = static_cast<int64_t>(tokens.size());
  if (n == 0) return Status::error("eval: no tokens");
  if (n_past_ + n > n_ctx_) {
    return Status::errorf("context overflow: {} tokens past + {} new > n_ctx {}", n_past_, n,
                          n_ctx_);
  }
  HEARTH_RETURN_IF_ERROR(check_token_ids(tokens, model_.weights().token_embd.ne[1]));
  State& s = *state_;
  const int64_t n_vocab = model_.weights().output_proj().ne[1];
  s.n_rows = all_logits ? static_cast<int32_t>(n) : 1;
  s.n_last = static_cast<int32_t>(n);
  s.logits.resize(static_cast<size_t>(s.n_rows) * n_vocab);
  return Status::ok();
}

Status Context::eval(std::span<const TokenId> tokens, bool all_logits) {
  ContextBatch one{this, tokens, all_logits, Status::ok()};
  HEARTH_RETURN_IF_ERROR(eval_batch({&one, 1}));
  return one.status;
}

Status Context::eval_batch(std::span<ContextBatch> batch) {
  for (size_t i = 0; i < batch.size(); ++i) {
    const Context* ctx = batch[i].ctx;
    if (ctx == nullptr) return Status::errorf("eval_batch: item {} has no context", i);
    if (&ctx->model_ != &batch[0].ctx->model_) {
      return Status::errorf("eval_batch: item {} belongs to another model than item 0", i);
    }
    for (size_t j = 0; j < i; ++j) {
      if (batch[j].ctx == ctx) {
        return Status::errorf("eval_batch: items {} and {} are the same context", j, i);
      }
    }
  }
  // The items still running and how many of their tokens have run.
  struct Running {
    ContextBatch* item;
    int32_t done = 0;
    bool failed = false;
  };
  std::vector<Running> running;
  for (ContextBatch& b : batch) {
    b.status = b.ctx->begin_eval(b.tokens, b.all_logits);
    if (b.status.is_ok()) running.push_back({&b});
  }
  if (running.empty()) return Status::ok();
  // The first context's scratch serves the whole batch.
  State& runner = *running.front().item->ctx->state_;
  Forward& f = runner.forward;
  const int64_t n_vocab = batch[0].ctx->model_.weights().output_proj().ne[1];
  const auto fail = [](Running& r, Status st) {
    r.failed = true;
    r.item->status = std::move(st);
    r.item->ctx->state_->n_rows = 0;
    r.item->ctx->state_->n_last = 0;
  };

  std::vector<SeqChunk> chunks;
  std::vector<Running*> owners;
  std::vector<int32_t> last_rows;
  std::vector<Context*> last_of;
  while (!running.empty()) {
    // One pass: the next tokens of each item in order, up to the batch size.
    chunks.clear();
    owners.clear();
    int32_t room = f.max_batch();
    for (Running& r : running) {
      if (room == 0) break;
      Context& cx = *r.item->ctx;
      const int32_t len =
          std::min(room, static_cast<int32_t>(r.item->tokens.size()) - r.done);
      KvCache& kv = cx.state_->forward.kv_cache();
      // Mapped here, so that a pool out of blocks fails this sequence alone.
      if (Status st = kv.prepare(cx.n_past_, len); !st.is_ok()) {
        fail(r, std::move(st));
        continue;
      }
      chunks.push_back({&kv, r.item->tokens.subspan(static_cast<size_t>(r.done),
                                                     static_cast<size_t>(len)),
                        cx.n_past_, cx.state_->forward.tiled_batches()});
      owners.push_back(&r);
      room -= len;
    }
    if (Status st = f.run_batch(chunks); !st.is_ok()) {
      for (Running* r : owners) fail(*r, st);
    } else {
      last_rows.clear();
      last_of.clear();
      int32_t row0 = 0;
      for (size_t k = 0; k < chunks.size(); ++k) {
        Running& r = *owners[k];
        Context& cx = *r.item->ctx;
        const int32_t len = static_cast<int32_t>(chunks[k].tokens.size());
        cx.n_past_ += len;
        if (r.item->all_logits) {
          f.logits(row0, len, cx.state_->logits.data() + r.done * n_vocab);
        } else if (r.done + len == static_cast<int32_t>(r.item->tokens.size())) {
          last_rows.push_back(row0 + len - 1);
          last_of.push_back(&cx);
        }
        r.done += len;
        row0 += len;
      }
      // The sequences' last rows share one product with the output matrix.
      runner.gathered.resize(last_rows.size() * static_cast<size_t>(n_vocab));
      f.logits_of_rows(last_rows, runner.gathered.data());
      for (size_t k = 0; k < last_of.size(); ++k) {
        const float* row = runner.gathered.data() + k * n_vocab;
        std::copy(row, row + n_vocab, last_of[k]->state_->logits.data());
      }
    }
    std::erase_if(running, [](const Running& r) {
      return r.failed || r.done == static_cast<int32_t>(r.item->tokens.size());
    });
  }
  return Status::ok();
}

std::span<const float> Context::logits(int32_t i) const {
  const State& s = *state_;
  if (s.n_rows == 0) return {};
  const size_t n_vocab = s.logits.size() / s.n_rows;
  if (i < 0) i = s.n_last - 1;
  int32_t row = i;
  if (s.n_rows == 1) {
    if (i != s.n_last - 1) return {};
    row = 0;
  }
  if (row < 0 || row >= s.n_rows) return {};
  return {s.logits.data() + row * n_vocab, n_vocab};
}

Result<std::vector<float>> Context::embed(std::span<const TokenId> tokens) {
  const ModelConfig& c = model_.config();
  if (c.pooling == Pooling::kNone) {
    return Status::errorf("{} model has no pooling type: it does not produce embeddings", c.arch);
  }
  const int32_t n = static_cast<int32_t>(tokens.size());
  if (n == 0) return Status::error("embed: no tokens");
  HEARTH_RETURN_IF_ERROR(check_token_ids(tokens, model_.weights().token_embd.ne[1]));
  State& s = *state_;
  if (n > s.forward.max_batch()) {
    return Status::errorf("embed: {} tokens exceed the context's {} (an encoder sees the whole "
                          "input at once)", n, s.forward.max_batch());
  }
  // The input is encoded on its own, from position 0; the cache is scratch here.
  n_past_ = 0;
  s.n_rows = 0;
  HEARTH_RETURN_IF_ERROR(s.forward.run(tokens, 0));

  const int64_t n_embd = c.n_embd;
  std::vector<float> out(n_embd, 0.0f);
  if (c.pooling == Pooling::kMean) {
    for (int32_t t = 0; t < n; ++t) {
      const float* h = s.forward.hidden(t);
      for (int64_t j = 0; j < n_embd; ++j) out[j] += h[j];
    }
    for (float& v : out) v /= static_cast<float>(n);
  } else {
    const float* h = s.forward.hidden(c.pooling == Pooling::kCls ? 0 : n - 1);
    std::copy(h, h + n_embd, out.begin());
  }
  double norm = 0.0;
  for (float v : out) norm += static_cast<double>(v) * v;
  norm = std::sqrt(norm);
  if (norm > 0.0) {
    for (float& v : out) v = static_cast<float>(v / norm);
  }
  return out;
}

}  // namespace hearth

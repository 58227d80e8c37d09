// model: the generic forward pass (embedding, layers as named steps, output norm and logits).
#include "model/forward.h"

#include <algorithm>
#include <cmath>

#include "kernels/matmul.h"
#include "kernels/ref/ref_kernels.h"
#include "model/attention.h"
#include "model/ops.h"
#include "model/reference_rounding.h"

namespace hearth {

Forward::Forward(const ModelConfig& c, const ModelWeights& w, int32_t n_ctx, int32_t max_batch,
                 std::shared_ptr<KvBlockPool> pool)
    : c_(c), w_(w), max_batch_(std::max(1, std::min(max_batch, n_ctx))), n_embd_(c.n_embd) {
  n_threads_ = std::max(1, kernels::num_threads());
  if (n_threads_ > 1) pool_ = kernels::shared_pool();
  if (pool) {
    kv_.attach(std::move(pool), n_ctx);
  } else {
    kv_.allocate(c, n_ctx);
  }
  if (c.rope != RopeStyle::kNone) {
    cos_.assign(c.n_rot / 2, 0.0f);
    sin_.assign(c.n_rot / 2, 0.0f);
  }
}

// The activations' scratch, allocated on the first run: in a server only the context that
// lends its scratch to a batched step ever runs, so the others never pay for it (tens of MB
// per slot for a 1B model, hundreds for a 70B one).
void Forward::ensure_scratch() {
  if (!x_.empty()) return;
  const size_t b = static_cast<size_t>(max_batch_);
  const int32_t n_ff = std::max(c_.n_ff, 0);
  x_.assign(b * c_.n_embd, 0.0f);
  xn_.assign(b * c_.n_embd, 0.0f);
  q_.assign(b * c_.n_embd_q(), 0.0f);
  k_.assign(b * c_.n_embd_k(), 0.0f);
  v_.assign(b * c_.n_embd_v(), 0.0f);
  attn_.assign(b * c_.n_head * c_.head_dim_v, 0.0f);
  branch_.assign(b * c_.n_embd, 0.0f);
  gate_.assign(b * n_ff, 0.0f);
  up_.assign(b * n_ff, 0.0f);
  row_.assign(c_.n_embd, 0.0f);
  const int32_t widest_input = std::max({c_.n_embd, c_.n_head * c_.head_dim_v, n_ff});
  rounded_.assign(b * widest_input, 0.0f);
  scores_.assign(static_cast<size_t>(n_threads_) * attention_scratch_floats(attention_shape(0, false)),
                 0.0f);
  if (c_.n_expert > 0) moe_.allocate(c_, max_batch_);
}

Status Forward::run(std::span<const TokenId> tokens, int32_t pos0) {
  const SeqChunk one{&kv_, tokens, pos0, tiled_batches_};
  return run_batch({&one, 1});
}

Status Forward::run_batch(std::span<const SeqChunk> seqs) {
  ensure_scratch();
  int64_t n_total = 0;
  for (size_t i = 0; i < seqs.size(); ++i) {
    const SeqChunk& s = seqs[i];
    if (s.kv == nullptr) return Status::errorf("sequence {} of the batch has no KV cache", i);
    const int64_t n = static_cast<int64_t>(s.tokens.size());
    if (s.pos0 < 0 || s.pos0 + n > s.kv->n_ctx()) {
      return Status::errorf("positions {}..{} do not fit the context of {} tokens", s.pos0,
                            s.pos0 + n - 1, s.kv->n_ctx());
    }
    n_total += n;
  }
  if (n_total == 0) return Status::ok();
  if (n_total > max_batch_) {
    return Status::errorf("batch of {} tokens exceeds the context's batch size {}", n_total,
                          max_batch_);
  }
  const int32_t n = static_cast<int32_t>(n_total);
  for (const SeqChunk& s : seqs) {
    HEARTH_RETURN_IF_ERROR(s.kv->prepare(s.pos0, static_cast<int32_t>(s.tokens.size())));
  }
  int32_t row0 = 0;
  for (const SeqChunk& s : seqs) {
    HEARTH_RETURN_IF_ERROR(embed_inputs(s.tokens, s.pos0, row0));
    row0 += static_cast<int32_t>(s.tokens.size());
  }
  if (w_.token_embd_norm.present()) {
    ops::norm_rows(c_.norm, x_.data(), w_.token_embd_norm.f32(), w_.token_embd_norm_b.f32(),
                   c_.norm_eps, n, n_embd_, x_.data());
  }
  for (int32_t il = 0; il < c_.n_layer; ++il) {
    attention_block(il, n, seqs);
    ffn_block(il, n);
  }
  if (w_.output_norm.present()) {
    ops::norm_rows(c_.norm, x_.data(), w_.output_norm.f32(), w_.output_norm_b.f32(), c_.norm_eps,
                   n, n_embd_, x_.data());
  }
  return Status::ok();
}

Status Forward::embed_inputs(std::span<const TokenId> tokens, int32_t pos0, int32_t row0) {
  const int32_t n = static_cast<int32_t>(tokens.size());
  const Weight& emb = w_.token_embd;
  for (int32_t i = 0; i < n; ++i) {
    const TokenId id = tokens[i];
    if (id < 0 || id >= emb.ne[1]) {
      return Status::errorf("token id {} (at index {}) is out of range [0, {})", id, i, emb.ne[1]);
    }
    float* x = x_.data() + (row0 + i) * n_embd_;
    kernels::ref::dequantize_row(emb.dtype, plain_row(emb, id), x, n_embd_);
    if (c_.embd_scale != 1.0f) ops::scale(x, c_.embd_scale, n_embd_);
    // Token type 0 ("sentence A") for every token.
    if (const Weight& tt = w_.token_types; tt.present()) {
      kernels::ref::dequantize_row(tt.dtype, tt.row(0), row_.data(), n_embd_);
      ops::add(x, row_.data(), n_embd_);
    }
    if (const Weight& pe = w_.position_embd; pe.present()) {
      const int32_t pos = pos0 + i;
      if (pos >= pe.ne[1]) {
        return Status::errorf("position {} is beyond the {} absolute positions of '{}'", pos,
                              pe.ne[1], pe.name);
      }
      kernels::ref::dequantize_row(pe.dtype, pe.row(pos), row_.data(), n_embd_);
      ops::add(x, row_.data(), n_embd_);
    }
  }
  return Status::ok();
}

void Forward::attention_block(int32_t il, int32_t n, std::span<const SeqChunk> seqs) {
  const LayerWeights& L = w_.layers[il];
  // 1. Normalise the stream (pre-norm models; post-norm ones attend on the raw stream).
  const float* in = x_.data();
  if (c_.norm_placement == NormPlacement::kPre) {
    ops::norm_rows(c_.norm, x_.data(), L.attn_norm.f32(), L.attn_norm_b.f32(), c_.norm_eps, n,
                   n_embd_, xn_.data());
    in = xn_.data();
  }
  // 2. Project queries, keys and values.
  const SharedInputProduct qkv[] = {{&L.attn_q, q_.data()}, {&L.attn_k, k_.data()}, {&L.attn_v, v_.data()}};
  matmul_shared_input_like_reference(qkv, in, n, rounded_);
  add_bias(L.attn_q_b, n, L.attn_q.ne[1], q_.data());
  add_bias(L.attn_k_b, n, L.attn_k.ne[1], k_.data());
  add_bias(L.attn_v_b, n, L.attn_v.ne[1], v_.data());
  // 3. Normalise each query and key head (qwen3, gemma3).
  if (L.attn_q_norm.present()) head_norm(q_.data(), n, c_.n_head, L.attn_q_norm);
  if (L.attn_k_norm.present()) head_norm(k_.data(), n, c_.n_head_kv, L.attn_k_norm);
  // 4. Rotate queries and keys by their positions.
  if (c_.rope != RopeStyle::kNone) {
    int32_t row0 = 0;
    for (const SeqChunk& s : seqs) {
      const int32_t len = static_cast<int32_t>(s.tokens.size());
      apply_rope(il, row0, len, s.pos0);
      row0 += len;
    }
  }
  // 5. Append keys and values to each sequence's cache.
  const int64_t q_width = c_.n_embd_q();
  const int64_t attn_width = static_cast<int64_t>(c_.n_head) * c_.head_dim_v;
  int32_t row0 = 0;
  for (const SeqChunk& s : seqs) {
    const int32_t len = static_cast<int32_t>(s.tokens.size());
    s.kv->store(il, s.pos0, len, k_.data() + row0 * c_.n_embd_k(),
                v_.data() + row0 * c_.n_embd_v());
    row0 += len;
  }
  // 6. Attend over each sequence's cache: causal (windowed on local layers) or the whole batch
  // (encoders).
  if (c_.attn_scale_on_q) ops::scale(q_.data(), c_.attn_scale, static_cast<int64_t>(n) * q_width);
  row0 = 0;
  for (const SeqChunk& s : seqs) {
    const int32_t len = static_cast<int32_t>(s.tokens.size());
    if (len > 0) {
      attend(attention_shape(il, s.tiled_batches), q_.data() + row0 * q_width, len, s.pos0,
             *s.kv, il, s.pos0 + len, attn_.data() + row0 * attn_width, scores_, pool_.get());
    }
    row0 += len;
  }
  // 7. Project back to the stream and add the residual (with the model's norms around it).
  project(L.attn_out, L.attn_out_b, attn_.data(), n, branch_.data());
  add_residual(n, L.attn_post_norm, L.attn_norm, L.attn_norm_b);
}

void Forward::ffn_block(int32_t il, int32_t n) {
  const LayerWeights& L = w_.layers[il];
  // 1. Normalise the stream (pre-norm models).
  const float* in = x_.data();
  if (c_.norm_placement == NormPlacement::kPre) {
    ops::norm_rows(c_.norm, x_.data(), L.ffn_norm.f32(), L.ffn_norm_b.f32(), c_.norm_eps, n,
                   n_embd_, xn_.data());
    in = xn_.data();
  }
  // 2. The feed-forward network: routed experts or one dense FFN.
  if (c_.layers[il].is_moe) {
    moe_ffn(c_, L, in, n, branch_.data(), moe_);
  } else {
    dense_ffn(L, in, n);
  }
  // 3. Add the residual (with the model's norms around it).
  add_residual(n, L.ffn_post_norm, L.ffn_norm, L.ffn_norm_b);
}

void Forward::dense_ffn(const LayerWeights& L, const float* in, int32_t n) {
  const int64_t width = static_cast<int64_t>(n) * L.ffn_up.ne[1];
  if (L.ffn_gate.present()) {
    // Gated: act(x W_gate) * (x W_up).
    const SharedInputProduct gate_up[] = {{&L.ffn_gate, gate_.data()}, {&L.ffn_up, up_.data()}};
    matmul_shared_input_like_reference(gate_up, in, n, rounded_);
    add_bias(L.ffn_gate_b, n, L.ffn_gate.ne[1], gate_.data());
    add_bias(L.ffn_up_b, n, L.ffn_up.ne[1], up_.data());
    ops::gated_activation(c_.act, gate_.data(), up_.data(), width);
  } else {
    project(L.ffn_up, L.ffn_up_b, in, n, up_.data());
    ops::activation(c_.act, up_.data(), width);
  }
  project(L.ffn_down, L.ffn_down_b, up_.data(), n, branch_.data());
}

void Forward::head_norm(float* rows, int32_t n, int32_t n_heads, const Weight& w) {
  const int64_t hd = w.ne[0];
  ops::norm_rows(c_.norm, rows, w.f32(), nullptr, c_.norm_eps, static_cast<int64_t>(n) * n_heads,
                 hd, rows);
}

void Forward::apply_rope(int32_t il, int32_t row0, int32_t n, int32_t pos0) {
  const int32_t hd = c_.head_dim_k;
  for (int32_t t = 0; t < n; ++t) {
    ops::rope_angles(pos0 + t, c_.n_rot, c_.layers[il].rope_theta, c_.rope_freq_scale,
                     w_.rope_freqs.f32(), cos_.data(), sin_.data());
    float* q = q_.data() + static_cast<int64_t>(row0 + t) * c_.n_embd_q();
    for (int32_t h = 0; h < c_.n_head; ++h) {
      ops::rope_head(c_.rope, q + h * hd, c_.n_rot, cos_.data(), sin_.data());
    }
    float* k = k_.data() + static_cast<int64_t>(row0 + t) * c_.n_embd_k();
    for (int32_t h = 0; h < c_.n_head_kv; ++h) {
      ops::rope_head(c_.rope, k + h * hd, c_.n_rot, cos_.data(), sin_.data());
    }
  }
}

AttentionShape Forward::attention_shape(int32_t il, bool tiled_batches) const {
  AttentionShape shape;
  shape.n_head = c_.n_head;
  shape.n_head_kv = c_.n_head_kv;
  shape.head_dim_k = c_.head_dim_k;
  shape.head_dim_v = c_.head_dim_v;
  if (c_.attn_scale_on_q) {
    shape.scale = 1.0f;
  } else {
    shape.scale = c_.attn_scale != 0.0f ? c_.attn_scale
                                        : 1.0f / std::sqrt(static_cast<float>(c_.head_dim_k));
  }
  shape.causal = c_.causal;
  shape.window = c_.layers.empty() ? 0 : c_.layers[il].sliding_window;
  shape.tiled_batches = tiled_batches;
  return shape;
}

void Forward::add_residual(int32_t n, const Weight& branch_norm, const Weight& post_norm,
                           const Weight& post_norm_b) {
  const int64_t count = static_cast<int64_t>(n) * n_embd_;
  if (c_.norm_placement == NormPlacement::kPre) {
    if (branch_norm.present()) {
      ops::norm_rows(c_.norm, branch_.data(), branch_norm.f32(), nullptr, c_.norm_eps, n, n_embd_,
                     branch_.data());
    }
    ops::add(x_.data(), branch_.data(), count);
  } else {
    ops::add(x_.data(), branch_.data(), count);
    ops::norm_rows(c_.norm, x_.data(), post_norm.f32(), post_norm_b.f32(), c_.norm_eps, n,
                   n_embd_, x_.data());
  }
}

void Forward::project(const Weight& w, const Weight& b, const float* x, int32_t n, float* y) {
  matmul_like_reference(w, x, n, y, rounded_);
  add_bias(b, n, w.ne[1], y);
}

void Forward::add_bias(const Weight& b, int32_t n, int64_t width, float* y) {
  if (b.present()) ops::add_bias(y, b.f32(), n, width);
}

void Forward::logits(int32_t row0, int32_t n, float* out) {
  ensure_scratch();
  const Weight& o = w_.output_proj();
  matmul_like_reference(o, hidden(row0), n, out, rounded_);
  const int64_t n_vocab = o.ne[1];
  if (w_.output_b.present()) ops::add_bias(out, w_.output_b.f32(), n, n_vocab);
  if (const float cap = c_.final_logit_softcap; cap > 0.0f) {
    for (int64_t i = 0; i < n * n_vocab; ++i) out[i] = cap * std::tanh(out[i] / cap);
  }
}

void Forward::logits_of_rows(std::span<const int32_t> rows, float* out) {
  ensure_scratch();
  const int32_t n = static_cast<int32_t>(rows.size());
  if (n == 0) return;
  bool consecutive = true;
  for (int32_t i = 1; i < n; ++i) consecutive = consecutive && rows[i] == rows[0] + i;
  if (consecutive) {
    logits(rows[0], n, out);
    return;
  }
  // Gathered into xn_ (free once a pass has run), max_batch rows at a time.
  const int32_t room = max_batch_;
  for (int32_t start = 0; start < n; start += room) {
    const int32_t len = std::min(room, n - start);
    for (int32_t i = 0; i < len; ++i) {
      std::copy_n(hidden(rows[start + i]), n_embd_, xn_.data() + i * n_embd_);
    }
    const Weight& o = w_.output_proj();
    float* y = out + static_cast<int64_t>(start) * o.ne[1];
    matmul_like_reference(o, xn_.data(), len, y, rounded_);
    if (w_.output_b.present()) ops::add_bias(y, w_.output_b.f32(), len, o.ne[1]);
    if (const float cap = c_.final_logit_softcap; cap > 0.0f) {
      for (int64_t i = 0; i < len * o.ne[1]; ++i) y[i] = cap * std::tanh(y[i] / cap);
    }
  }
}

}  // namespace hearth

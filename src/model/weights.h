// model: the model's tensors bound from a GGUF file (zero-copy views; 1-D tensors widened to f32).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/gguf_file.h"
#include "kernels/interleave.h"
#include "model/model_config.h"
#include "tensor/dtype.h"

namespace hearth {

// One tensor of the model. Absent optional tensors have data == nullptr.
struct Weight {
  std::string name;
  const uint8_t* data = nullptr;  // points into the file mapping
  DType dtype = DType::F32;
  std::array<int64_t, 4> ne{1, 1, 1, 1};
  uint64_t row_bytes = 0;     // bytes of one ne[0]-long row
  // kInterleaved8: repacked at load (model/weight_repack.h); data then points into the copy.
  kernels::WeightLayout layout = kernels::WeightLayout::kRows;
  std::vector<float> values;  // 1-D tensors only (norms, biases, rope factors), widened to f32

  bool present() const { return data != nullptr; }
  explicit operator bool() const { return present(); }
  const float* f32() const { return values.empty() ? nullptr : values.data(); }
  // Row r as stored: in the plain layout only (see plain_row).
  const uint8_t* row(int64_t r) const { return data + static_cast<uint64_t>(r) * row_bytes; }
  // The i-th [ne0, ne1] matrix of a 3-D tensor (MoE experts stored as [ne0, ne1, n_expert]).
  const uint8_t* matrix(int64_t i) const { return row(i * ne[1]); }
};

// A layer's tensors; which are present depends on the architecture's table.
struct LayerWeights {
  Weight attn_norm, attn_norm_b;           // [n_embd]; post-norm models: after the residual add
  Weight attn_q, attn_k, attn_v;           // [n_embd, n_embd_q|k|v]
  Weight attn_q_b, attn_k_b, attn_v_b;     // [n_embd_q|k|v]
  Weight attn_q_norm, attn_k_norm;         // [head_dim_k], per-head norm before rope
  Weight attn_out, attn_out_b;             // [n_embd_q, n_embd], [n_embd]
  Weight attn_post_norm;                   // [n_embd], on the branch before the residual add
  Weight ffn_norm, ffn_norm_b;             // [n_embd]
  Weight ffn_gate, ffn_up, ffn_down;       // [n_embd, n_ff] x2, [n_ff, n_embd]
  Weight ffn_gate_b, ffn_up_b, ffn_down_b; // [n_ff] x2, [n_embd]
  Weight ffn_post_norm;                    // [n_embd]
  Weight ffn_router;                       // [n_embd, n_expert] (GGUF: ffn_gate_inp)
  Weight ffn_gate_exps, ffn_up_exps;       // [n_embd, n_ff_expert, n_expert]
  Weight ffn_down_exps;                    // [n_ff_expert, n_embd, n_expert]
};

struct ModelWeights {
  Weight token_embd;                       // [n_embd, n_vocab]
  Weight token_types;                      // [n_embd, n_token_types] (BERT)
  Weight position_embd;                    // [n_embd, n_ctx_train] (BERT)
  Weight token_embd_norm, token_embd_norm_b;  // [n_embd] (BERT)
  Weight rope_freqs;                       // [n_rot/2]: per-dimension rope frequency divisors
  Weight output_norm, output_norm_b;       // [n_embd]
  Weight output, output_b;                 // [n_embd, n_vocab], [n_vocab]
  std::vector<LayerWeights> layers;
  std::vector<DType> matrix_types;  // the distinct types of the bound 2-D and 3-D weights

  // The logits projection: output.weight, or the token embedding when tied.
  const Weight& output_proj() const { return output.present() ? output : token_embd; }
};

// Row r of a 2-D weight in the plain layout, whatever its layout (an interleaved row is copied
// into a per-thread buffer, valid until the next call).
const uint8_t* plain_row(const Weight& w, int64_t r);

// Binds every tensor of the config's architecture table: required ones must exist, each must
// have the expected shape and a type hearth computes with. Errors name the tensor.
Result<ModelWeights> bind_weights(const gguf::GgufFile& file, const ModelConfig& config);

// True when a 2-D or 3-D weight is stored quantised (not F32/F16/BF16).
bool has_quantised_matrices(const ModelWeights& weights);

// Whether a tensor of type t can be the weight of a matrix product or an embedding lookup.
Status check_computable(const std::string& tensor_name, uint32_t type_id, bool known_type);

}  // namespace hearth

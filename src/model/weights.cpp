// model: binding the architecture's tensor table to a GGUF file's tensors.
#include "model/weights.h"

#include <algorithm>

#include <fmt/ranges.h>

#include "base/log.h"
#include "kernels/ref/ref_kernels.h"
#include "model/arch_table.h"

namespace hearth {
namespace {

std::string shape_string(const std::vector<uint64_t>& ne) {
  return fmt::format("[{}]", fmt::join(ne, ", "));
}

// Shapes compare equal up to trailing 1s (GGUF stores [256] and [256, 1] the same way).
bool same_shape(std::vector<uint64_t> a, std::vector<uint64_t> b) {
  while (a.size() > 1 && a.back() == 1) a.pop_back();
  while (b.size() > 1 && b.back() == 1) b.pop_back();
  return a == b;
}

std::string describe(const ModelConfig& c) {
  std::string s = fmt::format("{} with n_embd {}, n_head {}, n_head_kv {}, head_dim {}, n_ff {}, "
                              "n_vocab {}", c.arch, c.n_embd, c.n_head, c.n_head_kv, c.head_dim_k,
                              c.n_ff, c.n_vocab);
  if (c.n_expert > 0) {
    s += fmt::format(", n_expert {}, n_ff_expert {}", c.n_expert, c.n_ff_expert);
  }
  return s;
}

Status bind_one(const gguf::GgufFile& file, const ModelConfig& c, const std::string& name,
                const std::vector<uint64_t>& expected, Need need, Weight& out) {
  const gguf::TensorInfo* t = file.find_tensor(name);
  if (!t) {
    if (need == Need::kOptional) return Status::ok();
    return Status::errorf("tensor '{}' is missing: {} needs it with shape {} (truncated "
                          "conversion or a different architecture?)",
                          name, c.arch, shape_string(expected));
  }
  for (uint64_t n : expected) {
    if (n == 0) {
      return Status::errorf("tensor '{}': the config gives it a zero dimension (expected {}); "
                            "is a key missing?", name, shape_string(expected));
    }
  }
  if (!same_shape(t->ne, expected) || t->ne.size() > 4) {
    return Status::errorf("tensor '{}' has shape {} but {} expects {}", name,
                          shape_string(t->ne), describe(c), shape_string(expected));
  }
  HEARTH_RETURN_IF_ERROR(check_computable(name, t->type_id, t->known_type));
  const std::optional<uint64_t> rb = row_bytes(t->dtype, t->ne[0]);
  if (!rb) {
    return Status::errorf("tensor '{}': row length {} is not a multiple of the {} block size {}",
                          name, t->ne[0], dtype_name(t->dtype), traits(t->dtype).block_elems);
  }
  const uint64_t rows = t->ne[0] == 0 ? 0 : t->n_elements / t->ne[0];
  if (!t->data || t->nbytes < rows * *rb) {
    return Status::errorf("tensor '{}' holds {} bytes but {} rows of {} bytes are needed", name,
                          t->nbytes, rows, *rb);
  }
  out.name = name;
  out.data = t->data;
  out.dtype = t->dtype;
  out.row_bytes = *rb;
  for (size_t i = 0; i < t->ne.size(); ++i) out.ne[i] = static_cast<int64_t>(t->ne[i]);
  if (expected.size() == 1) {
    // Norms, biases and rope factors are read in f32 on every token: widen them once.
    out.values.resize(t->ne[0]);
    kernels::ref::dequantize_row(t->dtype, t->data, out.values.data(),
                                 static_cast<int64_t>(t->ne[0]));
  }
  return Status::ok();
}

void note_matrix_type(ModelWeights& w, const Weight& x) {
  if (!x.present() || x.ne[1] <= 1) return;
  if (std::find(w.matrix_types.begin(), w.matrix_types.end(), x.dtype) == w.matrix_types.end()) {
    w.matrix_types.push_back(x.dtype);
  }
}

std::vector<uint64_t> resolve(const ModelConfig& c, const std::vector<Dim>& shape) {
  std::vector<uint64_t> ne;
  for (Dim d : shape) ne.push_back(static_cast<uint64_t>(std::max<int64_t>(dim_value(c, d), 0)));
  return ne;
}

}  // namespace

Status check_computable(const std::string& tensor_name, uint32_t type_id, bool known_type) {
  const std::optional<DTypeTraits> tr = dtype_traits(type_id);
  if (!known_type || !tr) {
    return Status::errorf("tensor '{}' has type id {}, which hearth does not know (a newer GGUF "
                          "type?)", tensor_name, type_id);
  }
  if (!tr->computable) {
    return Status::errorf("tensor '{}' has type {}, which hearth cannot compute with yet",
                          tensor_name, tr->name);
  }
  return Status::ok();
}

const uint8_t* plain_row(const Weight& w, int64_t r) {
  thread_local std::vector<uint8_t> buffer;
  return kernels::plain_row(w.dtype, w.layout, w.data, r, w.ne[0], buffer);
}

Result<ModelWeights> bind_weights(const gguf::GgufFile& file, const ModelConfig& c) {
  const ArchDef* def = find_arch(c.arch);
  if (!def) return Status::errorf("architecture '{}' is not supported", c.arch);
  ModelWeights w;
  size_t n_bound = 0;
  for (const auto& r : def->globals) {
    std::vector<uint64_t> ne = resolve(c, r.shape);
    if (r.need == Need::kOptional && std::count(ne.begin(), ne.end(), 0u) > 0) continue;
    Weight& slot = w.*(r.slot);
    HEARTH_RETURN_IF_ERROR(bind_one(file, c, std::string(r.name), ne, r.need, slot));
    n_bound += slot.present();
    note_matrix_type(w, slot);
  }
  w.layers.resize(c.layers.size());
  for (size_t il = 0; il < c.layers.size(); ++il) {
    const bool moe = c.layers[il].is_moe;
    for (const auto& r : def->layer) {
      if ((r.kind == LayerKind::kDense && moe) || (r.kind == LayerKind::kMoe && !moe)) continue;
      Weight& slot = w.layers[il].*(r.slot);
      HEARTH_RETURN_IF_ERROR(bind_one(file, c, fmt::format("blk.{}.{}", il, r.name),
                                      resolve(c, r.shape), r.need, slot));
      n_bound += slot.present();
      note_matrix_type(w, slot);
    }
  }
  if (n_bound < file.tensors().size()) {
    HEARTH_LOG_INFO("{}: {} of {} tensors are not used by {}", file.path(),
                    file.tensors().size() - n_bound, file.tensors().size(), c.arch);
  }
  return w;
}

bool has_quantised_matrices(const ModelWeights& w) {
  for (DType t : w.matrix_types) {
    if (t != DType::F32 && t != DType::F16 && t != DType::BF16) return true;
  }
  return false;
}

}  // namespace hearth

// model: repacking weights at load (see weight_repack.h).
#include "model/weight_repack.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

#include "base/thread_pool.h"
#include "kernels/kernel_table.h"
#include "kernels/matmul.h"

namespace hearth {
namespace {

bool repackable(const Weight& w) {
  if (!w.present() || w.layout != kernels::WeightLayout::kRows || w.ne[1] % kernels::kInterleaveRows != 0)
    return false;
  return kernels::active_kernels().find(w.dtype, kernels::WeightLayout::kInterleaved8) != nullptr;
}

// The weights the kernels multiply by: the output head (the token embedding when tied) and
// every layer matrix.
std::vector<Weight*> products(ModelWeights& w) {
  std::vector<Weight*> out;
  out.push_back(w.output.present() ? &w.output : &w.token_embd);
  for (LayerWeights& L : w.layers) {
    for (Weight* m : {&L.attn_q, &L.attn_k, &L.attn_v, &L.attn_out, &L.ffn_gate, &L.ffn_up, &L.ffn_down,
                      &L.ffn_router, &L.ffn_gate_exps, &L.ffn_up_exps, &L.ffn_down_exps})
      out.push_back(m);
  }
  return out;
}

uint64_t tensor_bytes(const Weight& w) {
  return w.row_bytes * static_cast<uint64_t>(w.ne[1] * w.ne[2] * w.ne[3]);
}

// Drops this process's mapping of the whole pages inside [p, p + n) of the file.
void release_file_pages(const uint8_t* p, uint64_t n) {
  const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + page - 1) / page * page;
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + n) / page * page;
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

}  // namespace

RepackedWeights::RepackedWeights(RepackedWeights&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)), bytes_(std::exchange(o.bytes_, 0)), tensors_(o.tensors_) {}

RepackedWeights& RepackedWeights::operator=(RepackedWeights&& o) noexcept {
  if (this != &o) {
    if (data_ != nullptr) munmap(data_, bytes_);
    data_ = std::exchange(o.data_, nullptr);
    bytes_ = std::exchange(o.bytes_, 0);
    tensors_ = o.tensors_;
  }
  return *this;
}

RepackedWeights::~RepackedWeights() {
  if (data_ != nullptr) munmap(data_, bytes_);
}

bool repack_enabled() {
  const char* v = std::getenv("HEARTH_REPACK");
  if (v == nullptr) return true;
  const std::string_view s(v);
  return !(s == "0" || s == "off" || s == "no" || s == "false");
}

Result<RepackedWeights> repack_weights(ModelWeights& w) {
  RepackedWeights out;
  std::vector<std::pair<Weight*, uint64_t>> todo;  // weight, offset in the copy
  uint64_t total = 0;
  for (Weight* m : products(w)) {
    if (!repackable(*m)) continue;
    todo.emplace_back(m, total);
    total += (tensor_bytes(*m) + 63) / 64 * 64;
  }
  if (todo.empty()) return out;
  void* p = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    return Status::errorf("cannot allocate {:.1f} MiB to repack the weights (HEARTH_REPACK=0 reads "
                          "them from the file mapping instead)", static_cast<double>(total) / (1 << 20));
  }
  madvise(p, total, MADV_HUGEPAGE);  // fewer TLB misses while streaming the weights
  out.data_ = static_cast<uint8_t*>(p);
  out.bytes_ = total;
  out.tensors_ = static_cast<int>(todo.size());
  // One task per tensor: the copies are independent, and a big file reads faster in parallel.
  kernels::shared_pool()->parallel_for(static_cast<int64_t>(todo.size()), [&](int64_t i) {
    auto [m, offset] = todo[static_cast<size_t>(i)];
    uint8_t* dst = out.data_ + offset;
    const int64_t rows = m->ne[1] * m->ne[2] * m->ne[3];
    kernels::interleave_rows(m->dtype, m->data, rows, m->ne[0], dst);
    release_file_pages(m->data, tensor_bytes(*m));
  });
  for (auto [m, offset] : todo) {
    m->data = out.data_ + offset;
    m->layout = kernels::WeightLayout::kInterleaved8;
  }
  return out;
}

}  // namespace hearth

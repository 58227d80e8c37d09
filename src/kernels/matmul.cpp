// kernels: matmul, the weight products of the model. Picks the selected kernel table's kernels
// for the weight type (quantising the activations once per call) or the exact f32 path, and
// splits the work across a persistent thread pool.
#include "kernels/matmul.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#ifdef __linux__
#include <sys/mman.h>
#endif

#include "base/check.h"
#include "base/thread_pool.h"
#include "kernels/f32_dot.h"
#include "kernels/kernel_table.h"
#include "kernels/ref/ref_kernels.h"

namespace hearth::kernels {
namespace {

// Multiply-adds below which a task is not worth handing to another thread (waking a worker
// costs a few microseconds; this much work takes longer than that).
constexpr int64_t kMinTaskWork = 1 << 16;
// Tasks per thread, so that a thread slowed by other load does not hold everyone up.
constexpr int64_t kTasksPerThread = 4;
// Exact path: weight rows dequantised together when several tokens share them, so that each
// activation row is read once per tile rather than once per weight row.
constexpr int64_t kRowTile = 4;
// Fast path: activation elements below which quantising is not split across threads.
constexpr int64_t kMinParallelQuantize = 1 << 15;
// Fast path: fewest tokens per task when tokens are split (each task decodes its weight
// rows again, which pays off only over this many tokens).
constexpr int64_t kMinTokensPerTask = 16;

int default_num_threads() {
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

struct PoolState {
  std::mutex mu;
  int num_threads = default_num_threads();
  std::shared_ptr<ThreadPool> pool;  // rebuilt lazily after set_num_threads
};

PoolState& pool_state() {
  static PoolState state;
  return state;
}

// A reference keeps the pool alive for the whole call even if set_num_threads replaces it.
std::shared_ptr<ThreadPool> current_pool() {
  auto& s = pool_state();
  std::lock_guard lock(s.mu);
  if (!s.pool) s.pool = std::make_shared<ThreadPool>(s.num_threads);
  return s.pool;
}

// Runs fn(i) for i < n_tasks on the pool (inline when there is only one task or thread).
template <typename Fn>
void run_tasks(int64_t n_tasks, int64_t n_threads, const Fn& fn) {
  if (n_tasks == 1 || n_threads == 1) {
    for (int64_t i = 0; i < n_tasks; ++i) fn(i);
    return;
  }
  current_pool()->parallel_for(n_tasks, [&fn](int64_t i) { fn(i); });
}

// Buffers at least this large are aligned to, and advised to use, 2 MiB pages: the
// activations of a long prompt span thousands of 4 KiB pages, more than the TLB holds.
constexpr size_t kHugePage = size_t{2} << 20;

#ifdef __linux__
void advise_huge_pages(void* p, size_t n) { madvise(p, n, MADV_HUGEPAGE); }
#else
void advise_huge_pages(void*, size_t) {}
#endif

struct AlignedFree {
  size_t align = 64;
  void operator()(uint8_t* p) const { ::operator delete(p, std::align_val_t{align}); }
};

// Grow-only aligned buffer (one per thread for scratch, one for activations).
class AlignedScratch {
 public:
  uint8_t* get(int64_t bytes) {
    const auto n = static_cast<size_t>(std::max<int64_t>(bytes, 64));
    if (n > size_) {
      const size_t align = n >= kHugePage ? kHugePage : 64;
      const size_t size = (n + align - 1) / align * align;
      data_.reset(static_cast<uint8_t*>(::operator new(size, std::align_val_t{align})));
      data_.get_deleter().align = align;
      if (align == kHugePage) advise_huge_pages(data_.get(), size);
      size_ = size;
    }
    return data_.get();
  }

 private:
  std::unique_ptr<uint8_t, AlignedFree> data_;
  size_t size_ = 0;
};

struct MatmulArgs {
  DType wtype;
  WeightLayout layout;
  const uint8_t* w;
  int64_t row_bytes;
  int64_t rows, cols;
  const float* x;
  int64_t n_tokens;
  float* y;
};

// ---- exact path -----------------------------------------------------------------------------

const uint8_t* plain_row(const MatmulArgs& a, int64_t r, std::vector<uint8_t>& buffer) {
  return kernels::plain_row(a.wtype, a.layout, a.w, r, a.cols, buffer);
}

// One token: a dot product per weight row, dequantising on the fly.
void exact_matvec_rows(const MatmulArgs& a, int64_t r0, int64_t r1) {
  thread_local std::vector<uint8_t> plain;
  for (int64_t r = r0; r < r1; ++r) a.y[r] = ref::dot_row(a.wtype, plain_row(a, r, plain), a.x, a.cols);
}

// Several tokens: dequantise a tile of weight rows once, then dot it with every token.
// DotAccumulator makes this bit-identical to dot_row.
void exact_matmul_rows(const MatmulArgs& a, int64_t r0, int64_t r1) {
  thread_local std::vector<float> tile;
  thread_local std::vector<uint8_t> plain;
  tile.resize(static_cast<size_t>(kRowTile * a.cols));
  for (int64_t r = r0; r < r1; r += kRowTile) {
    const int64_t n_rows = std::min(kRowTile, r1 - r);
    for (int64_t k = 0; k < n_rows; ++k)
      ref::dequantize_row(a.wtype, plain_row(a, r + k, plain), tile.data() + k * a.cols, a.cols);
    for (int64_t t = 0; t < a.n_tokens; ++t) {
      const float* xt = a.x + t * a.cols;
      float* yt = a.y + t * a.rows + r;
      for (int64_t k = 0; k < n_rows; ++k) yt[k] = dot_f32(tile.data() + k * a.cols, xt, a.cols);
    }
  }
}

void exact_matmul(const MatmulArgs& a) {
  // Split the rows into tasks of whole tiles, as many as the work justifies.
  const int64_t work = a.rows * std::max<int64_t>(a.cols, 1) * a.n_tokens;
  const int64_t n_threads = num_threads();
  const int64_t want_tasks =
      std::clamp<int64_t>(work / kMinTaskWork, 1, n_threads * kTasksPerThread);
  int64_t rows_per_task = (a.rows + want_tasks - 1) / want_tasks;
  rows_per_task = (rows_per_task + kRowTile - 1) / kRowTile * kRowTile;
  const int64_t n_tasks = (a.rows + rows_per_task - 1) / rows_per_task;
  run_tasks(n_tasks, n_threads, [&](int64_t task) {
    const int64_t r0 = task * rows_per_task;
    const int64_t r1 = std::min(a.rows, r0 + rows_per_task);
    if (a.n_tokens == 1) {
      exact_matvec_rows(a, r0, r1);
    } else {
      exact_matmul_rows(a, r0, r1);
    }
  });
}

// ---- fast path ------------------------------------------------------------------------------

// Activations in the kernels' format: quantised, or (f32 weights) a zero-padded copy.
void prepare_activations(const KernelTable& table, ActFormat fmt, const MatmulArgs& a,
                         int64_t act_bytes, uint8_t* act, int64_t n_threads) {
  const QuantizeRowFn quantize = table.quantizer(fmt);
  auto one_row = [&](int64_t t) {
    const float* xt = a.x + t * a.cols;
    uint8_t* dst = act + t * act_bytes;
    if (quantize != nullptr) {
      quantize(xt, a.cols, dst);
    } else {
      const auto bytes = static_cast<size_t>(a.cols) * sizeof(float);
      std::memcpy(dst, xt, bytes);
      std::memset(dst + bytes, 0, static_cast<size_t>(act_bytes) - bytes);
    }
  };
  const int64_t n_tasks =
      a.n_tokens * a.cols < kMinParallelQuantize ? 1 : std::min(a.n_tokens, n_threads * kTasksPerThread);
  const int64_t per_task = (a.n_tokens + n_tasks - 1) / n_tasks;
  run_tasks(n_tasks, n_threads, [&](int64_t task) {
    for (int64_t t = task * per_task; t < std::min(a.n_tokens, (task + 1) * per_task); ++t) one_row(t);
  });
}

// One slice of a product: weight rows x activation rows, run by one thread.
struct FastTask {
  const TypeKernels* k;
  WeightRows w;
  ActRows x;
  OutRows y;
  int64_t scratch_bytes;
};

// Splits a product (activations already prepared in `act`) into tasks appended to `tasks`.
// Rows are split in whole row blocks (a block's weights are decoded once for all of the
// task's tokens); tokens are split too when there are too few row blocks for the threads.
void plan_tasks(const KernelTable& table, const TypeKernels& k, const MatmulArgs& a,
                const uint8_t* act, int64_t act_bytes, int64_t n_threads,
                std::vector<FastTask>& tasks) {
  const int64_t work = a.rows * std::max<int64_t>(a.cols, 1) * a.n_tokens;
  const int64_t max_tasks = std::clamp<int64_t>(work / kMinTaskWork, 1, n_threads * kTasksPerThread);
  // Interleaved weights split at their groups of 8 rows.
  const int64_t row_block = a.layout == WeightLayout::kInterleaved8 ? std::max(kInterleaveRows, table.row_block)
                            : a.n_tokens == 1                      ? 4
                                                                   : table.row_block;
  const int64_t n_row_blocks = (a.rows + row_block - 1) / row_block;
  const int64_t row_tasks = std::min(n_row_blocks, max_tasks);
  int64_t token_tasks = 1;
  if (row_tasks < std::min<int64_t>(2 * n_threads, max_tasks)) {
    const int64_t most = std::max<int64_t>(1, a.n_tokens / kMinTokensPerTask);
    token_tasks = std::clamp<int64_t>(max_tasks / row_tasks, 1, most);
  }
  const int64_t rows_per_task = (n_row_blocks + row_tasks - 1) / row_tasks * row_block;
  const int64_t tokens_per_task = (a.n_tokens + token_tasks - 1) / token_tasks;
  const int64_t scratch_bytes = k.scratch_bytes(a.cols);
  for (int64_t t0 = 0; t0 < a.n_tokens; t0 += tokens_per_task) {
    for (int64_t r0 = 0; r0 < a.rows; r0 += rows_per_task) {
      tasks.push_back(FastTask{
          &k,
          WeightRows{a.w + r0 * a.row_bytes, a.row_bytes, std::min(rows_per_task, a.rows - r0), a.cols},
          ActRows{act + t0 * act_bytes, act_bytes, std::min(tokens_per_task, a.n_tokens - t0)},
          OutRows{a.y + t0 * a.rows + r0, a.rows}, scratch_bytes});
    }
  }
}

void run_fast_tasks(const std::vector<FastTask>& tasks, int64_t n_threads) {
  run_tasks(static_cast<int64_t>(tasks.size()), n_threads, [&](int64_t i) {
    const FastTask& t = tasks[static_cast<size_t>(i)];
    thread_local AlignedScratch scratch;
    t.k->mul(t.w, t.x, t.y, scratch.get(t.scratch_bytes));
  });
}

MatmulArgs args_of(const MatmulJob& j) {
  HEARTH_CHECK(j.rows >= 0 && j.n_tokens >= 0);
  HEARTH_CHECK(ref::validate_row(j.wtype, j.cols).is_ok());
  HEARTH_CHECK(j.layout == WeightLayout::kRows || j.rows % kInterleaveRows == 0);
  return MatmulArgs{j.wtype, j.layout, static_cast<const uint8_t*>(j.w),
                    static_cast<int64_t>(*row_bytes(j.wtype, static_cast<uint64_t>(j.cols))),
                    j.rows, j.cols, j.x, j.n_tokens, j.y};
}

}  // namespace

void matmul(DType wtype, const void* w, int64_t rows, int64_t cols, const float* x,
            int64_t n_tokens, float* y, WeightLayout layout) {
  const MatmulJob job{wtype, w, rows, cols, x, n_tokens, y, layout};
  matmul_group({&job, 1});
}

void matmul_group(std::span<const MatmulJob> jobs) {
  const KernelTable& table = active_kernels();
  const int64_t n_threads = num_threads();
  // Activations: one prepared copy per distinct (x, format, shape), laid out in one buffer.
  struct Prepared {
    const float* x;
    ActFormat fmt;
    int64_t cols, n_tokens, offset;
  };
  thread_local std::vector<Prepared> prepared;
  thread_local std::vector<int64_t> job_act;  // index into prepared, -1: exact path
  thread_local std::vector<MatmulArgs> args;  // each job's, checked
  prepared.clear();
  job_act.assign(jobs.size(), -1);
  args.clear();
  int64_t total = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const MatmulJob& j = jobs[i];
    args.push_back(args_of(j));
    if (j.rows == 0 || j.n_tokens == 0 || j.cols == 0 || table.find(j.wtype, j.layout) == nullptr) continue;
    const ActFormat fmt = act_format_for(j.wtype);
    auto same = [&](const Prepared& p) {
      return p.x == j.x && p.fmt == fmt && p.cols == j.cols && p.n_tokens == j.n_tokens;
    };
    auto it = std::find_if(prepared.begin(), prepared.end(), same);
    if (it == prepared.end()) {
      prepared.push_back(Prepared{j.x, fmt, j.cols, j.n_tokens, total});
      total += j.n_tokens * act_row_bytes(fmt, j.cols);
      it = prepared.end() - 1;
    }
    job_act[i] = it - prepared.begin();
  }
  thread_local AlignedScratch act_buffer;
  uint8_t* act = act_buffer.get(total);
  for (const Prepared& p : prepared) {
    const MatmulArgs a{DType::F32, WeightLayout::kRows, nullptr, 0, 0, p.cols, p.x, p.n_tokens, nullptr};
    prepare_activations(table, p.fmt, a, act_row_bytes(p.fmt, p.cols), act + p.offset, n_threads);
  }
  thread_local std::vector<FastTask> tasks;
  tasks.clear();
  for (size_t i = 0; i < jobs.size(); ++i) {
    const MatmulArgs& a = args[i];
    if (job_act[i] < 0) {
      if (a.rows > 0 && a.n_tokens > 0) exact_matmul(a);
      continue;
    }
    const Prepared& p = prepared[static_cast<size_t>(job_act[i])];
    plan_tasks(table, *table.find(a.wtype, a.layout), a, act + p.offset, act_row_bytes(p.fmt, p.cols),
               n_threads, tasks);
  }
  run_fast_tasks(tasks, n_threads);
}

bool quantizes_activations(DType wtype, WeightLayout layout) {
  return active_kernels().find(wtype, layout) != nullptr && act_format_for(wtype) != ActFormat::kF32;
}

void set_num_threads(int n) {
  auto& s = pool_state();
  std::lock_guard lock(s.mu);
  const int wanted = std::max(1, n);
  if (wanted == s.num_threads) return;
  s.num_threads = wanted;
  s.pool.reset();
}

std::shared_ptr<ThreadPool> shared_pool() { return current_pool(); }

int num_threads() {
  auto& s = pool_state();
  std::lock_guard lock(s.mu);
  return s.num_threads;
}

}  // namespace hearth::kernels

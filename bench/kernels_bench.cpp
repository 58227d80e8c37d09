// Micro-benchmarks of kernels::matmul per weight type and kernel table:
//   matvec (one token) of 2048x2048, 8192x2048 and 128256x2048 (from DRAM) weights: "GB/s" of weights streamed;
//   matmul of 2048x2048 weights with 512 tokens (prompt processing): "GFLOP/s" (2 per
//   multiply-add); and of 4096x14336 (the shape of ggml's test-backend-ops perf MUL_MAT).
// Random codes with sane scales (the speed does not depend on the values).
// "<isa>-x8": the same table's kernels on weights interleaved by 8 rows (kernels/interleave.h).
// Run: build/<dir>/bench/hearth_kernels_bench [--benchmark_filter=Q4_K] [--threads=N]
//      [--cpu_time]
#include <benchmark/benchmark.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/interleave.h"
#include "kernels/kernel_table.h"
#include "kernels/matmul.h"
#include "tensor/quant_blocks.h"

namespace {

using hearth::DType;

// CPU cycles of the calling thread (Linux perf events), for rates that a loaded or
// virtualised machine does not skew: time counts while a vCPU is descheduled, cycles do not.
// Meaningful with --threads=1, where the kernels run on the calling thread.
class CycleCounter {
 public:
  CycleCounter() {
    perf_event_attr attr{};
    attr.type = PERF_TYPE_HARDWARE;
    attr.size = sizeof attr;
    attr.config = PERF_COUNT_HW_CPU_CYCLES;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    fd_ = static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
  }
  ~CycleCounter() {
    if (fd_ >= 0) close(fd_);
  }
  CycleCounter(const CycleCounter&) = delete;
  CycleCounter& operator=(const CycleCounter&) = delete;
  bool ok() const { return fd_ >= 0; }
  uint64_t read_cycles() const {
    uint64_t v = 0;
    if (fd_ < 0 || read(fd_, &v, sizeof v) != sizeof v) return 0;
    return v;
  }

 private:
  int fd_ = -1;
};

const DType kTypes[] = {DType::F32,  DType::F16,    DType::BF16,  DType::Q8_0, DType::Q4_0,
                        DType::Q4_1, DType::Q5_0,   DType::Q5_1,  DType::IQ4_NL, DType::MXFP4,
                        DType::Q2_K, DType::Q3_K,   DType::Q4_K,  DType::Q5_K, DType::Q6_K,
                        DType::IQ4_XS};

// Offsets of the f16 scale fields of a block (the rest of its bytes may be anything).
std::vector<size_t> f16_fields(DType t) {
  switch (t) {
    case DType::Q4_0: case DType::Q5_0: case DType::Q8_0: case DType::IQ4_NL: return {0};
    case DType::Q4_1: return {offsetof(hearth::BlockQ4_1, d), offsetof(hearth::BlockQ4_1, m)};
    case DType::Q5_1: return {offsetof(hearth::BlockQ5_1, d), offsetof(hearth::BlockQ5_1, m)};
    case DType::Q2_K: return {offsetof(hearth::BlockQ2_K, d), offsetof(hearth::BlockQ2_K, dmin)};
    case DType::Q3_K: return {offsetof(hearth::BlockQ3_K, d)};
    case DType::Q4_K: return {offsetof(hearth::BlockQ4_K, d), offsetof(hearth::BlockQ4_K, dmin)};
    case DType::Q5_K: return {offsetof(hearth::BlockQ5_K, d), offsetof(hearth::BlockQ5_K, dmin)};
    case DType::Q6_K: return {offsetof(hearth::BlockQ6_K, d)};
    case DType::IQ4_XS: return {offsetof(hearth::BlockIQ4_XS, d)};
    default: return {};
  }
}

std::vector<uint8_t> random_weights(DType t, int64_t rows, int64_t cols) {
  const auto& tr = hearth::traits(t);
  const int64_t n_blocks = rows * cols / tr.block_elems;
  std::vector<uint8_t> w(static_cast<size_t>(n_blocks * tr.block_bytes));
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  if (tr.block_elems == 1) {
    for (int64_t i = 0; i < n_blocks; ++i) {
      const float v = uniform(rng);
      uint8_t* p = w.data() + i * tr.block_bytes;
      const uint16_t h = t == DType::F16 ? hearth::f32_to_fp16(v) : hearth::f32_to_bf16(v);
      if (t == DType::F32) std::memcpy(p, &v, 4); else std::memcpy(p, &h, 2);
    }
    return w;
  }
  for (auto& b : w) b = static_cast<uint8_t>(rng());
  const auto fields = f16_fields(t);
  for (int64_t i = 0; i < n_blocks; ++i) {
    uint8_t* b = w.data() + i * tr.block_bytes;
    if (t == DType::MXFP4) b[0] = 120;
    for (size_t off : fields) {
      const uint16_t h = hearth::f32_to_fp16(0.01f * uniform(rng));
      std::memcpy(b + off, &h, 2);
    }
  }
  return w;
}

// isa: a table name, or "<name>-x8" for its kernels on interleaved weights.
// copies > 1: that many copies of the weights, used in turn (each read from memory, as a
// decode step reads a model's many small matrices).
void run_matmul(benchmark::State& state, DType t, const std::string& isa, int64_t rows,
                int64_t cols, int64_t n_tokens, int64_t copies = 1) {
  const bool x8 = isa.ends_with("-x8");
  const std::string table = x8 ? isa.substr(0, isa.size() - 3) : isa;
  if (!hearth::kernels::set_isa(table).is_ok()) {
    state.SkipWithError((isa + " not available on this CPU").c_str());
    return;
  }
  using hearth::kernels::WeightLayout;
  const WeightLayout layout = x8 ? WeightLayout::kInterleaved8 : WeightLayout::kRows;
  std::vector<uint8_t> w = random_weights(t, rows, cols);
  if (x8) {
    std::vector<uint8_t> packed(w.size());
    hearth::kernels::interleave_rows(t, w.data(), rows, cols, packed.data());
    w.swap(packed);
  }
  const size_t one = w.size();
  w.resize(one * static_cast<size_t>(copies));
  for (int64_t c = 1; c < copies; ++c) std::copy_n(w.data(), one, w.data() + c * static_cast<int64_t>(one));
  int64_t next = 0;
  std::vector<float> x(static_cast<size_t>(cols * n_tokens));
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (auto& v : x) v = uniform(rng);
  std::vector<float> y(static_cast<size_t>(rows * n_tokens));
  const CycleCounter cycles;
  const uint64_t c0 = cycles.read_cycles();
  for (auto _ : state) {
    hearth::kernels::matmul(t, w.data() + next * static_cast<int64_t>(one), rows, cols, x.data(), n_tokens, y.data(), layout);
    next = (next + 1) % copies;
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  const double per_iter_cycles =
      static_cast<double>(cycles.read_cycles() - c0) / static_cast<double>(state.iterations());
  const double flops = 2.0 * static_cast<double>(rows * cols * n_tokens);
  if (n_tokens == 1) {
    state.counters["GB/s"] = benchmark::Counter(static_cast<double>(one) / 1e9,
                                                benchmark::Counter::kIsIterationInvariantRate);
    if (cycles.ok() && hearth::kernels::num_threads() == 1)
      state.counters["B/cycle"] = static_cast<double>(one) / per_iter_cycles;
  } else {
    state.counters["GFLOP/s"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
    if (cycles.ok() && hearth::kernels::num_threads() == 1)
      state.counters["flop/cycle"] = flops / per_iter_cycles;
  }
  state.SetLabel(std::string(hearth::kernels::isa_name()) + " threads " +
                 std::to_string(hearth::kernels::num_threads()));
}

// The memory roofline: reading a buffer far larger than the caches (each thread of the kernel
// pool sums its share), in GB/s.
void read_bandwidth(benchmark::State& state) {
  const int64_t n = int64_t{1} << 26;  // 256 MiB of floats
  std::vector<float> data(static_cast<size_t>(n), 1.0f);
  const int64_t n_threads = hearth::kernels::num_threads();
  for (auto _ : state) {
    // One "weight row" per thread share: matmul's f32 path streams them, so this measures
    // what the pool reaches on plain loads.
    const int64_t rows = n_threads * 64, cols = n / rows;
    std::vector<float> ones(static_cast<size_t>(cols), 1.0f), y(static_cast<size_t>(rows));
    hearth::kernels::matmul(DType::F32, data.data(), rows, cols, ones.data(), 1, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GB/s"] = benchmark::Counter(static_cast<double>(n) * 4 / 1e9,
                                              benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(hearth::kernels::isa_name()));
}

}  // namespace

int main(int argc, char** argv) {
  // --threads=N (before Google Benchmark sees the arguments): kernel threads.
  // --cpu_time: rates per second of process CPU time (all threads), for a loaded machine.
  std::vector<char*> args;
  bool cpu_time = false;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--cpu_time") == 0) {
      cpu_time = true;
    } else if (std::strncmp(argv[i], "--threads=", 10) == 0) {
      hearth::kernels::set_num_threads(std::atoi(argv[i] + 10));
    } else {
      args.push_back(argv[i]);
    }
  }
  int n_args = static_cast<int>(args.size());
  for (const char* isa : {"ref", "avx2", "avx2-x8", "avx512", "avx512-x8"}) {
    const std::string name(isa);
    const hearth::kernels::KernelTable* table = hearth::kernels::kernels_for_isa(name.substr(0, name.find('-')));
    if (table == nullptr) continue;  // not on this CPU
    for (DType t : kTypes) {
      if (name.ends_with("-x8") && table->find(t, hearth::kernels::WeightLayout::kInterleaved8) == nullptr) continue;
      const std::string type(hearth::dtype_name(t));
      struct Shape {
        const char* name;
        int64_t rows, cols, tokens;
        int64_t copies = 1;
      };
      for (const Shape& s : {Shape{"matvec_2048x2048", 2048, 2048, 1},
                             Shape{"matvec_8192x2048", 8192, 2048, 1},
                             // A decode step's small matrices, each from DRAM (64 copies in turn).
                             Shape{"matvec_2048x2048_dram", 2048, 2048, 1, 64},
                             // The output head of a 128k vocabulary: streamed from DRAM.
                             Shape{"matvec_128256x2048", 128256, 2048, 1},
                             // Batched decoding: 8 sequences, one token each.
                             Shape{"matmul_8192x2048_t8", 8192, 2048, 8},
                             Shape{"matmul_2048x2048_t512", 2048, 2048, 512},
                             Shape{"matmul_4096x14336_t512", 4096, 14336, 512},
                             Shape{"matmul_2048x4096_t512", 2048, 4096, 512},
                             Shape{"matmul_2048x8192_t512", 2048, 8192, 512}}) {
        // The shape of ggml's test-backend-ops perf MUL_MAT, for comparisons; too slow for ref.
        if (s.cols == 14336 && std::string(isa) == "ref") continue;
        auto* b = benchmark::RegisterBenchmark((std::string(s.name) + "/" + type + "/" + isa).c_str(),
                                     [=](benchmark::State& st) {
                                       run_matmul(st, t, isa, s.rows, s.cols, s.tokens, s.copies);
                                     });
        b->Unit(benchmark::kMillisecond)
            ->MeasureProcessCPUTime();
        if (!cpu_time) b->UseRealTime();
      }
    }
  }
  for (const char* isa : {"ref", "avx2"}) {
    if (hearth::kernels::kernels_for_isa(isa) == nullptr) continue;
    auto* b = benchmark::RegisterBenchmark((std::string("read_256MiB_f32/") + isa).c_str(),
                                           [isa](benchmark::State& st) {
                                             (void)hearth::kernels::set_isa(isa);
                                             read_bandwidth(st);
                                           });
    b->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
    if (!cpu_time) b->UseRealTime();
  }
  benchmark::Initialize(&n_args, args.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

// perf: the roofline probe's measurements (the loops are in probe_kernels*).
#include "perf/probe.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <vector>

#include <fmt/format.h>

#include "perf/machine_info.h"
#include "perf/probe_kernels.h"
#include "perf/stats.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace hearth::perf {
namespace {

constexpr uint64_t kDefaultBufferBytes = uint64_t{1} << 30;
// Far larger than any last-level cache we expect to meet per core, so reads come from DRAM.
constexpr uint64_t kMinBufferBytes = uint64_t{64} << 20;
constexpr uint64_t kSliceAlign = 4096;  // per-thread slices start on page boundaries

// Page-aligned anonymous memory, backed by huge pages where the kernel offers them (fewer TLB
// misses: the probe measures DRAM, not the page walker).
class ProbeBuffer {
 public:
  static Result<ProbeBuffer> allocate(uint64_t bytes) {
    ProbeBuffer b;
#if defined(__linux__)
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      return Status::errorf("probe: cannot map a {} MiB read buffer: {}", bytes >> 20, std::strerror(errno));
    }
    madvise(p, bytes, MADV_HUGEPAGE);  // advice only: ignored where unsupported
#else
    void* p = std::aligned_alloc(kSliceAlign, bytes);
    if (p == nullptr) return Status::errorf("probe: cannot allocate a {} MiB read buffer", bytes >> 20);
#endif
    b.data_ = static_cast<uint8_t*>(p);
    b.bytes_ = bytes;
    return b;
  }
  ProbeBuffer(ProbeBuffer&& o) noexcept : data_(std::exchange(o.data_, nullptr)), bytes_(o.bytes_) {}
  ProbeBuffer& operator=(ProbeBuffer&&) = delete;
  ~ProbeBuffer() {
    if (data_ == nullptr) return;
#if defined(__linux__)
    munmap(data_, bytes_);
#else
    std::free(data_);
#endif
  }
  uint8_t* data() const { return data_; }

 private:
  ProbeBuffer() = default;
  uint8_t* data_ = nullptr;
  uint64_t bytes_ = 0;
};

uint64_t choose_buffer_bytes(uint64_t requested) {
  if (requested != 0) return requested;
  const uint64_t available = available_memory_bytes();
  if (available == 0) return kDefaultBufferBytes;
  return std::clamp(available / 4, kMinBufferBytes, kDefaultBufferBytes);
}

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

struct RateSummary {
  double best = 0;
  double median = 0;
};

// Rates (amount per second) of the rounds: the fastest round and the median.
RateSummary rates_of(double amount, const std::vector<double>& seconds) {
  std::vector<double> rates(seconds.size());
  rates_from_durations(amount, seconds, rates);
  const SampleStats s = summarize(rates);
  return {s.max, s.median};
}

Result<RateSummary> measure_read(const ProbeKernels& k, uint64_t buffer_bytes, int n_threads, int reps) {
  // Each thread reads its own page-aligned slice, written first by that thread (first touch
  // places it on that thread's memory node).
  const uint64_t slice = buffer_bytes / static_cast<uint64_t>(n_threads) / kSliceAlign * kSliceAlign;
  if (slice == 0) return Status::errorf("probe: buffer of {} bytes is too small for {} threads", buffer_bytes, n_threads);
  HEARTH_ASSIGN_OR_RETURN(ProbeBuffer buffer, ProbeBuffer::allocate(slice * static_cast<uint64_t>(n_threads)));
  std::vector<uint64_t> sinks(static_cast<size_t>(n_threads) * 8);  // 64 bytes apart: no false sharing
  auto slice_of = [&](int w) { return buffer.data() + slice * static_cast<uint64_t>(w); };
  const auto rounds = run_pinned_rounds(
      n_threads, reps, [&](int w) { std::memset(slice_of(w), 0x5a + w, slice); },
      [&](int w) { sinks[static_cast<size_t>(w) * 8] ^= k.read(slice_of(w), slice); });
  RateSummary r = rates_of(static_cast<double>(slice) * n_threads / 1e9, rounds);
  return r;
}

// Rounds long enough to last about `seconds` on one core (the loops never touch memory, so
// every core runs them at the same rate).
RateSummary measure_compute(ProbeComputeFn fn, int n_threads, int reps, double seconds) {
  using Clock = std::chrono::steady_clock;
  volatile float sink = 0;
  int64_t iters = 1 << 14;
  for (;;) {  // grow the trial until it is long enough to time
    const auto start = Clock::now();
    fn(iters, &sink);
    const double t = std::chrono::duration<double>(Clock::now() - start).count();
    if (t > 0.01 || iters >= (int64_t{1} << 40)) {
      iters = std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(iters) * seconds / std::max(t, 1e-9)));
      break;
    }
    iters *= 4;
  }
  std::vector<float> sinks(static_cast<size_t>(n_threads) * 16);
  std::vector<double> ops(n_threads, 0.0);
  const auto rounds = run_pinned_rounds(n_threads, reps, [](int) {}, [&](int w) {
    ops[w] = fn(iters, &sinks[static_cast<size_t>(w) * 16]);
  });
  double total_ops = 0;
  for (double o : ops) total_ops += o;
  return rates_of(total_ops / 1e9, rounds);
}

}  // namespace

std::string ProbeResult::cache_key() const { return probe_cache_key(cpu_model, n_cores); }

std::string probe_cache_key(std::string_view cpu_model, int n_cores) {
  return fmt::format("{} x {}", cpu_model, n_cores);
}

std::string this_machine_cache_key() { return probe_cache_key(cpu_model_string(), usable_cpu_count()); }

Result<ProbeResult> run_probe(const ProbeOptions& options) {
  const ProbeKernels* kernels = &best_probe_kernels();
  if (!options.isa.empty()) {
    kernels = probe_kernels_for(options.isa);
    if (kernels == nullptr) {
      return Status::errorf("probe: instruction set '{}' is not built or not supported by this CPU "
                            "(expected scalar, avx2 or avx512)", options.isa);
    }
  }
  const auto say = [&](std::string_view line) {
    if (options.progress) options.progress(line);
  };
  ProbeResult p;
  p.cpu_model = cpu_model_string();
  p.n_cores = usable_cpu_count();
  p.n_threads = options.n_threads > 0 ? options.n_threads : p.n_cores;
  p.isa = std::string(kernels->isa);
  p.int8_kind = std::string(kernels->int8_kind);
  p.buffer_bytes = choose_buffer_bytes(options.buffer_bytes);
  const int reps = std::max(1, options.reps);

  say(fmt::format("probing read bandwidth: {} MiB over {} threads, {} rounds ({})", p.buffer_bytes >> 20,
                  p.n_threads, reps, p.isa));
  HEARTH_ASSIGN_OR_RETURN(RateSummary read, measure_read(*kernels, p.buffer_bytes, p.n_threads, reps));
  p.read_gb_per_s = read.best;
  p.read_gb_per_s_median = read.median;
  say(fmt::format("probing the f32 FMA peak ({})", p.isa));
  p.fma_gflops = measure_compute(kernels->fma, p.n_threads, reps, options.compute_seconds).best;
  say(fmt::format("probing the int8 dot-product peak ({})", p.int8_kind));
  p.int8_gops = measure_compute(kernels->int8, p.n_threads, reps, options.compute_seconds).best;
  p.probed_at = utc_now_iso8601();
  return p;
}

}  // namespace hearth::perf

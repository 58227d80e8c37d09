// perf: what the probe needs to know about the machine: CPU model, usable cores, free memory,
// and threads pinned one per core that start a measured region together.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace hearth::perf {

// "AMD EPYC 7763 64-Core Processor" (/proc/cpuinfo "model name", else the cpuid brand string),
// "unknown CPU" when neither says.
std::string cpu_model_string();
// The CPUs this process may run on (its affinity mask), at least 1.
int usable_cpu_count();
// MemAvailable from /proc/meminfo in bytes, 0 when unknown.
uint64_t available_memory_bytes();

// Runs work on n_threads threads, thread w pinned to the w-th CPU of the affinity mask (where
// the OS allows it). Per thread: prepare(w) once (not timed: first-touch its memory), then
// `reps` rounds in which all threads start together at a barrier; returns each round's wall time
// in seconds from the first thread's start to the last thread's end.
std::vector<double> run_pinned_rounds(int n_threads, int reps, const std::function<void(int)>& prepare,
                                      const std::function<void(int)>& work);

}  // namespace hearth::perf

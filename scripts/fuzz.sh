#!/usr/bin/env bash
# Fuzzes the GGUF reader: scripts/fuzz.sh [SECONDS] (default 60).
# Configures the `fuzz` preset (clang++, libFuzzer, ASan+UBSan), builds gguf_reader_fuzz,
# makes a seed corpus from the test models in build/fuzz (never committed), runs the fuzzer
# and exits non-zero on any crash, leak, timeout or out-of-memory (reproducers are written to
# build/fuzz/artifacts/).
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build/fuzz"
testdata="${HEARTH_TESTDATA:-$root/../shared/testdata}"
jobs="${FUZZ_BUILD_JOBS:-2}"

cd "$root"
cmake --preset fuzz >/dev/null
cmake --build "$build" --target gguf_reader_fuzz make_gguf_seed_corpus -j"$jobs"

seeds="$build/corpus/seeds"
work="$build/corpus/work"  # what the fuzzer finds; kept between runs
artifacts="$build/artifacts"
rm -rf "$seeds"
mkdir -p "$work" "$artifacts"
shopt -s nullglob
models=("$testdata"/models/*.gguf "$testdata"/real/*.gguf "$testdata"/tokenizer/synthetic/*.gguf)
"$build/fuzz/make_gguf_seed_corpus" "$seeds" "${models[@]}"

# -max_len: the seeds hold whole metadata sections (tens of KiB); -timeout: seconds per input;
# -rss_limit_mb: a parse may not balloon memory. libFuzzer exits non-zero on any finding.
"$build/fuzz/gguf_reader_fuzz" "$work" "$seeds" \
  -max_total_time="$seconds" -max_len=131072 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 -detect_leaks=1
echo "fuzz.sh: no crashes, leaks or timeouts in ${seconds}s"

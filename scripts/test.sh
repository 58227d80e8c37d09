#!/usr/bin/env bash
# Sets up and runs every hearth test: installs packages, builds (release + asan/ubsan), runs the
# unit, golden and end-to-end tests, the parser suites under sanitizers, then fuzzes the GGUF reader for a bounded time.
# Usage: scripts/test.sh   (FUZZ_SECONDS=60 by default; SKIP_ASAN=1 skips the sanitizer stage;
#                           ASAN_SUITES="gguf tokenizer chat sampling engine server ..." picks its suites)
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc)
ASAN_SUITES="${ASAN_SUITES:-gguf tokenizer chat sampling engine server}"

bash scripts/install-deps.sh

if [ ! -d ../shared/testdata ]; then
  echo "error: ../shared/testdata (the reference data) is missing beside this checkout" >&2
  exit 1
fi

echo "== release build and tests"
cmake --preset release >/dev/null
cmake --build --preset release -j"$JOBS"
ctest --preset release -j"$JOBS"

if [ "${SKIP_ASAN:-0}" != "1" ]; then
  # The parsers of untrusted input (GGUF files, tokenizer text, chat templates), the sampler,
  # the serving engine (KV block pool, scheduler, cancellation) and the HTTP server (malformed,
  # huge, slow and vanishing clients) run again under AddressSanitizer + UndefinedBehaviorSanitizer.
  echo "== asan+ubsan build and tests: ${ASAN_SUITES}"
  cmake --preset asan >/dev/null
  targets=(); for s in ${ASAN_SUITES}; do targets+=("hearth_${s}_tests"); done
  cmake --build --preset asan -j"$JOBS" --target "${targets[@]}"
  for s in ${ASAN_SUITES}; do
    ASAN_OPTIONS=detect_leaks=1 "build/asan/tests/hearth_${s}_tests" --gtest_brief=1
  done
fi

echo "== fuzzing the GGUF reader for ${FUZZ_SECONDS:-60}s"
bash scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
echo "all tests passed"

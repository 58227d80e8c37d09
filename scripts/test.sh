#!/usr/bin/env bash
# Sets up and runs every hearth test: installs packages, builds (release + asan/ubsan), runs the
# unit, golden and end-to-end tests, then fuzzes the GGUF reader for a bounded time.
# Usage: scripts/test.sh            (FUZZ_SECONDS=60 by default; SKIP_ASAN=1 to skip sanitizers)
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc)

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
  echo "== asan+ubsan build and tests"
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j"$JOBS"
  ASAN_OPTIONS=detect_leaks=1 ctest --preset asan -j"$JOBS"
fi

echo "== fuzzing the GGUF reader for ${FUZZ_SECONDS:-60}s"
bash scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
echo "all tests passed"

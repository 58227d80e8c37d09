#!/usr/bin/env bash
# Integration test of `hearth serve` with the official OpenAI client: installs the `openai` npm
# package (pinned) into build/serve-client once, then runs tests/cli/serve_client_test.js, which
# starts real servers on free loopback ports and stops them itself.
#
#   scripts/test-server.sh [HEARTH_BINARY]     (default: build/release/hearth)
#
# HEARTH_TESTDATA overrides ../shared/testdata; HEARTH_CLIENT_DIR the npm directory.
# Exit status: 0 pass, 1 fail, 77 skipped (node/npm missing or the npm registry unreachable).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
hearth="${1:-$root/build/release/hearth}"
testdata="${HEARTH_TESTDATA:-$root/../shared/testdata}"
client_dir="${HEARTH_CLIENT_DIR:-$root/build/serve-client}"
# openai 7 needs node >= 22; 6.x runs on node 20.
openai_version="6.30.1"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "test-server.sh: SKIP: node and npm are needed (scripts/install-deps.sh installs them)" >&2
  exit 77
fi
if [ ! -x "$hearth" ]; then
  echo "test-server.sh: error: no hearth binary at $hearth (build it first)" >&2
  exit 1
fi

installed="$(node -p "require('$client_dir/node_modules/openai/package.json').version" 2>/dev/null || true)"
if [ "$installed" != "$openai_version" ]; then
  echo "test-server.sh: installing openai@$openai_version into $client_dir" >&2
  mkdir -p "$client_dir"
  [ -f "$client_dir/package.json" ] || echo '{"private": true, "name": "hearth-serve-client-test"}' > "$client_dir/package.json"
  if ! (cd "$client_dir" && timeout 300 npm install --no-audit --no-fund --loglevel=error \
          "openai@$openai_version" >&2); then
    echo "test-server.sh: SKIP: could not install openai@$openai_version from the npm registry" >&2
    exit 77
  fi
fi

NODE_PATH="$client_dir/node_modules" exec timeout 300 node "$root/tests/cli/serve_client_test.js" \
  --hearth "$hearth" --testdata "$testdata"

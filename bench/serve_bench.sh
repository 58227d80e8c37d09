#!/usr/bin/env bash
# Serving throughput: aggregate generation tok/s of `hearth serve` with 1 and with 8 concurrent
# streams, and time to first token; with --llama-server, the same load against llama.cpp's
# llama-server (--parallel 8) on the same file, the two servers alternating round by round.
# The load comes from bench/serve_bench.py (python3 standard library only).
#
#   bench/serve_bench.sh [options]
#     --model PATH          GGUF file (default: models/bench/llama-3.2-1b-Q4_K_M.gguf; make it with
#                           bash bench/make_models.sh --only llama-3.2-1b-Q4_K_M)
#     --hearth PATH         hearth binary (default: $HEARTH, else build/release/hearth)
#     --llama-server PATH   also measure this llama-server binary
#     --streams "1 8"       concurrency levels (the first and last are compared)
#     --parallel N          slots per server (default 8)
#     --ctx N               context per sequence (default 1024; llama-server gets N x parallel)
#     --max-tokens N        tokens generated per request (default 128; ignore_eos is set)
#     --requests N          requests per stream, one after another (default 2)
#     --rounds N            rounds per server (default 3); medians are reported
#     --threads N, -t N     compute threads for both servers (default: all cores)
#     --port N              port (default 18080)
#     --out FILE            raw JSON lines (default: a temp file, printed at the end)
#
# Run it on an otherwise idle machine: it takes minutes with the defaults. Smoke test:
#   bench/serve_bench.sh --model ../shared/testdata/models/qwen3-Q8_0.gguf --max-tokens 8 \
#       --requests 1 --rounds 1
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
model="$root/models/bench/llama-3.2-1b-Q4_K_M.gguf"
hearth="${HEARTH:-$root/build/release/hearth}"
llama=""
streams="1 8"
parallel=8
ctx=1024
max_tokens=128
requests=2
rounds=3
threads=""
port=18080
out=""

while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --hearth) hearth="$2"; shift 2 ;;
    --llama-server) llama="$2"; shift 2 ;;
    --streams) streams="$2"; shift 2 ;;
    --parallel) parallel="$2"; shift 2 ;;
    --ctx) ctx="$2"; shift 2 ;;
    --max-tokens) max_tokens="$2"; shift 2 ;;
    --requests) requests="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --threads|-t) threads="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "serve_bench.sh: error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

[ -f "$model" ] || { echo "serve_bench.sh: error: no model at '$model' (bash bench/make_models.sh --only llama-3.2-1b-Q4_K_M)" >&2; exit 1; }
[ -x "$hearth" ] || { echo "serve_bench.sh: error: no hearth binary at '$hearth' (build it, or pass --hearth)" >&2; exit 1; }
if [ -n "$llama" ] && [ ! -x "$llama" ]; then
  echo "serve_bench.sh: error: no llama-server binary at '$llama'" >&2; exit 1
fi
command -v python3 >/dev/null || { echo "serve_bench.sh: error: python3 is needed" >&2; exit 1; }
[ -n "$out" ] || out="$(mktemp /tmp/serve_bench.XXXXXX.jsonl)"
: > "$out"
log="$(mktemp /tmp/serve_bench_server.XXXXXX.log)"
driver="$root/bench/serve_bench.py"

server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
trap stop_server EXIT

# Waits (up to 30 s) until nothing listens on the port: the previous server may still be
# closing its socket.
wait_port_free() {
  for _ in $(seq 300); do
    python3 - "$port" <<'PY' 2>/dev/null && return 0
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.close()
PY
    sleep 0.1
  done
  echo "serve_bench.sh: error: port $port is still in use" >&2; exit 1
}

# start_server hearth|llama-server: starts it in the background and waits for /health.
start_server() {
  local kind="$1"
  wait_port_free
  : > "$log"
  if [ "$kind" = hearth ]; then
    local t=(); [ -n "$threads" ] && t=(--threads "$threads")
    "$hearth" serve --model "$model" --alias bench --host 127.0.0.1 --port "$port" \
      --parallel "$parallel" --ctx "$ctx" "${t[@]}" >"$log" 2>&1 &
  else
    local t=(); [ -n "$threads" ] && t=(--threads "$threads")
    "$llama" -m "$model" --alias bench --host 127.0.0.1 --port "$port" \
      --parallel "$parallel" -c $((ctx * parallel)) "${t[@]}" >"$log" 2>&1 &
  fi
  server_pid=$!
  for _ in $(seq 600); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "serve_bench.sh: error: $kind exited at start:" >&2; cat "$log" >&2; exit 1
    fi
    if python3 - "$port" <<'PY' 2>/dev/null; then return 0; fi
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=2)
c.request("GET", "/health")
sys.exit(0 if c.getresponse().status == 200 else 1)
PY
    sleep 0.5
  done
  echo "serve_bench.sh: error: $kind did not become healthy in 300 s" >&2; cat "$log" >&2; exit 1
}

kinds=(hearth); [ -n "$llama" ] && kinds+=(llama-server)
echo "serve_bench: $(basename "$model"), ctx $ctx x $parallel slots, $max_tokens tokens/request," \
     "$requests request(s)/stream, streams: $streams, $rounds round(s)" >&2
for round in $(seq "$rounds"); do
  for kind in "${kinds[@]}"; do
    start_server "$kind"
    # One short request first, so that page faults and lazy set-up are not measured.
    python3 "$driver" load --url "http://127.0.0.1:$port" --label warmup --streams 1 \
      --max-tokens 4 >/dev/null
    for n in $streams; do
      echo "serve_bench: round $round, $kind, $n stream(s)" >&2
      python3 "$driver" load --url "http://127.0.0.1:$port" --label "$kind" --streams "$n" \
        --requests "$requests" --max-tokens "$max_tokens" | tee -a "$out" >&2
    done
    stop_server
  done
done
echo
python3 "$driver" summary "$out"
echo "(raw results: $out)"

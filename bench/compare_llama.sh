#!/usr/bin/env bash
# Compares `hearth bench` with llama.cpp's llama-bench on the same GGUF files: the two run
# alternately, REPS rounds of one repetition each (so drift of clocks and heat hits both alike),
# and bench/compare.py prints the median tokens/s of each and the ratio hearth / llama.cpp.
#
# llama.cpp is not part of hearth: build it yourself (CPU build) and pass its build directory.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: bench/compare_llama.sh LLAMA_BUILD_DIR [MODEL.gguf ...] [options]

  LLAMA_BUILD_DIR   a llama.cpp build directory holding bin/llama-bench (or llama-bench)
  MODEL.gguf ...    models to run (default: every models/bench/*.gguf, see make_models.sh)

options:
  -t THREADS        threads for both engines (default: nproc)
  -r REPS           rounds; each round runs each engine once per model (default: 5)
  -p N              prompt tokens of the pp test (default: 512)
  -n N              generated tokens of the tg test (default: 128)
  --hearth PATH     hearth binary (default: $HEARTH, else build/release/hearth)
  --isa ISA         hearth kernels (default: auto, the best this CPU runs)
  --out DIR         keep the raw JSON results and logs here (default: a temporary directory)
  --json            print the summary as JSON instead of a markdown table
USAGE
}

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
threads="$(nproc)"
reps=5
n_prompt=512
n_gen=128
hearth="${HEARTH:-$repo/build/release/hearth}"
isa=auto
out=""
json_flag=()
llama_dir=""
models=()

while [[ $# -gt 0 ]]; do
  case "$1" in
    -t) threads="$2"; shift 2 ;;
    -r) reps="$2"; shift 2 ;;
    -p) n_prompt="$2"; shift 2 ;;
    -n) n_gen="$2"; shift 2 ;;
    --hearth) hearth="$2"; shift 2 ;;
    --isa) isa="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --json) json_flag=(--json); shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "compare_llama.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    *)
      if [[ -z "$llama_dir" ]]; then llama_dir="$1"; else models+=("$1"); fi
      shift ;;
  esac
done

die() { echo "compare_llama.sh: error: $*" >&2; exit 1; }

[[ -n "$llama_dir" ]] || { usage >&2; exit 2; }
llama_bench=""
for candidate in "$llama_dir/bin/llama-bench" "$llama_dir/llama-bench"; do
  if [[ -x "$candidate" ]]; then llama_bench="$candidate"; break; fi
done
[[ -n "$llama_bench" ]] || die "no llama-bench in '$llama_dir' (looked in bin/ and the directory itself)"
[[ -x "$hearth" ]] || die "no hearth binary at '$hearth' (build it: cmake --preset release && cmake --build --preset release, or pass --hearth)"
for v in "$threads" "$reps" "$n_prompt" "$n_gen"; do
  [[ "$v" =~ ^[0-9]+$ ]] || die "'$v' is not a non-negative integer (-t, -r, -p, -n)"
done
[[ "$reps" -ge 1 && "$threads" -ge 1 ]] || die "-r and -t must be at least 1"

if [[ ${#models[@]} -eq 0 ]]; then
  shopt -s nullglob
  models=("$repo"/models/bench/*.gguf)
  shopt -u nullglob
  [[ ${#models[@]} -gt 0 ]] || die "no models given and none in models/bench/ (run bench/make_models.sh)"
fi
for m in "${models[@]}"; do
  [[ -f "$m" ]] || die "model '$m' does not exist"
done

if [[ -z "$out" ]]; then
  out="$(mktemp -d "${TMPDIR:-/tmp}/hearth-compare.XXXXXX")"
else
  mkdir -p "$out"
fi
runs="$out/runs.tsv"
: > "$runs"

run_llama() {  # model index round
  local file="$out/llama.$2.$3.json"
  "$llama_bench" -m "$1" -p "$n_prompt" -n "$n_gen" -t "$threads" -r 1 -o json > "$file" 2> "$out/llama.$2.$3.log" ||
    die "llama-bench failed on $1 (log: $out/llama.$2.$3.log)"
  printf 'llama.cpp\t%s\t%s\t%s\n' "$1" "$3" "$file" >> "$runs"
}

run_hearth() {  # model index round
  local file="$out/hearth.$2.$3.json"
  "$hearth" bench "$1" -p "$n_prompt" -n "$n_gen" -t "$threads" -r 1 --isa "$isa" --json > "$file" 2> "$out/hearth.$2.$3.log" ||
    die "hearth bench failed on $1 (log: $out/hearth.$2.$3.log)"
  printf 'hearth\t%s\t%s\t%s\n' "$1" "$3" "$file" >> "$runs"
}

echo "compare_llama.sh: ${#models[@]} model(s), $reps round(s), -p $n_prompt -n $n_gen -t $threads; results in $out" >&2
for ((round = 1; round <= reps; round++)); do
  for i in "${!models[@]}"; do
    m="${models[$i]}"
    echo "compare_llama.sh: round $round/$reps: $(basename "$m")" >&2
    # Alternate which engine goes first, so neither always runs on a cooler or warmer machine.
    if (( round % 2 == 1 )); then
      run_llama "$m" "$i" "$round"
      run_hearth "$m" "$i" "$round"
    else
      run_hearth "$m" "$i" "$round"
      run_llama "$m" "$i" "$round"
    fi
  done
done

python3 "$repo/bench/compare.py" "$runs" "${json_flag[@]}"

#!/usr/bin/env bash
# Makes the benchmark models with `hearth synth` (random weights, real shapes): Llama 3.2 1B in
# Q4_K_M, Q4_0 and Q8_0, and a cut of Qwen3-30B-A3B (12 of 48 layers, all 128 experts) in
# Q4_K_M and Q8_0. Existing files are kept, so an interrupted run can be resumed.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: bench/make_models.sh [options]

options:
  -o, --out DIR     where to write the models (default: models/bench, git-ignored)
  --hearth PATH     hearth binary (default: $HEARTH, else build/release/hearth)
  --only REGEX      make only the files whose name matches (e.g. 'llama-3.2-1b-Q4_0')
  -t THREADS        threads for quantising (default: all)
  --list            print the file names and exit

The files need about 16 GB (the MoE cut in Q8_0 alone is about 8.6 GB).
USAGE
}

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$repo/models/bench"
hearth="${HEARTH:-$repo/build/release/hearth}"
only=""
threads=()
list=0

while [[ $# -gt 0 ]]; do
  case "$1" in
    -o|--out) out="$2"; shift 2 ;;
    --hearth) hearth="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    -t) threads=(-t "$2"); shift 2 ;;
    --list) list=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "make_models.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

# shape type: the benchmark set.
specs=(
  "llama-3.2-1b Q4_K_M"
  "llama-3.2-1b Q4_0"
  "llama-3.2-1b Q8_0"
  "qwen3-30b-a3b-cut Q4_K_M"
  "qwen3-30b-a3b-cut Q8_0"
)

if [[ "$list" == 1 ]]; then
  for spec in "${specs[@]}"; do
    read -r shape type <<< "$spec"
    echo "$shape-$type.gguf"
  done
  exit 0
fi

[[ -x "$hearth" ]] || { echo "make_models.sh: error: no hearth binary at '$hearth' (build it, or pass --hearth)" >&2; exit 1; }
mkdir -p "$out"
made=0
for spec in "${specs[@]}"; do
  read -r shape type <<< "$spec"
  name="$shape-$type.gguf"
  if [[ -n "$only" && ! "$name" =~ $only ]]; then continue; fi
  if [[ -f "$out/$name" ]]; then
    echo "make_models.sh: $name exists, skipping" >&2
    continue
  fi
  echo "make_models.sh: writing $out/$name" >&2
  # synth writes through a .tmp file and renames it when complete: a file that exists is whole.
  "$hearth" synth --shape "$shape" --type "$type" "${threads[@]}" "$out/$name"
  made=$((made + 1))
done
echo "make_models.sh: $made model(s) written to $out" >&2

#!/usr/bin/env bash
# Quickstart: installs the packages hearth needs, builds the release preset and generates text.
#
#   bash scripts/quickstart.sh                 # demo model with RANDOM weights (prints gibberish)
#   bash scripts/quickstart.sh path/to/model.gguf   # a real model: llama, qwen2, qwen3, qwen3moe, gemma3
#
# PROMPT="..." and N_PREDICT=... change what is generated.
set -euo pipefail
cd "$(dirname "$0")/.."

PROMPT="${PROMPT:-The weather was calm on the morning the boats left the harbor, and}"
N_PREDICT="${N_PREDICT:-64}"
MODEL="${1:-}"
if [ -n "$MODEL" ] && [ ! -f "$MODEL" ]; then
  echo "quickstart: error: model file '$MODEL' not found" >&2
  exit 1
fi

echo "== installing packages"
bash scripts/install-deps.sh

echo "== building (release preset)"
cmake --preset release >/dev/null
cmake --build --preset release
HEARTH=build/release/hearth

if [ -z "$MODEL" ]; then
  MODEL=models/demo-tiny.gguf
  mkdir -p models
  if [ ! -f "$MODEL" ]; then
    echo "== writing $MODEL with hearth synth"
    "$HEARTH" synth --arch llama --shape tiny --type Q4_K_M --seed 1 "$MODEL"
  fi
  cat <<'NOTE'

==========================================================================================
 NOTE: models/demo-tiny.gguf has RANDOM WEIGHTS, so the text below is gibberish. It only
 shows that the whole pipeline (GGUF loading, tokenizer, forward pass, sampling, streaming)
 works offline. For real text, pass a trained GGUF model of a supported architecture
 (llama, qwen2, qwen3, qwen3moe, gemma3), for example a Llama 3.2 1B or Qwen3 GGUF from
 huggingface.co:
     bash scripts/quickstart.sh path/to/model.gguf
     build/release/hearth run path/to/model.gguf -p "Your prompt" -n 128
==========================================================================================

NOTE
fi

echo "== hearth run $MODEL"
echo "prompt: $PROMPT"
echo "------------------------------------------------------------------------------------------"
"$HEARTH" run "$MODEL" -p "$PROMPT" -n "$N_PREDICT"

#!/usr/bin/env bash
# The main job on the built-in default model: create the tiny synthetic Llama, describe it,
# and generate from it (greedy, then seeded sampling). Later issues extend this into the full
# fine-tune-and-serve workflow.
set -euo pipefail
cli=${1:-build/release/src/cli/llm-mcp}
model=build/demo/tiny-llama
echo "== create-model: tiny Llama with seeded random weights -> $model"
"$cli" create-model --arch llama --preset tiny --seed 0 --out "$model" >/dev/null
echo "== info"
"$cli" info --model "$model"
echo "== generate (greedy; random weights, so the text is noise)"
"$cli" generate --model "$model" --prompt "The weather in Paris is" --max-new-tokens 24
echo "== generate (temperature 0.8, top-p 0.9, seed 1)"
"$cli" generate --model "$model" --prompt "The weather in Paris is" --max-new-tokens 24 \
  --temperature 0.8 --top-p 0.9 --seed 1

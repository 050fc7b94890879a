#!/usr/bin/env bash
# The official `openai` npm client against `llm-mcp serve-openai` (openai_client.mjs), on Node 22
# from npm. Trains two small adapters on the demo model first (LoRA and DoRA, a few steps at a
# high learning rate, so their answers differ from the base's).
# Usage: openai_client.sh path/to/llm-mcp
set -euo pipefail
cli=$1
npm_dir=${LLMCP_NODE_PATH:?LLMCP_NODE_PATH is not set: run through ctest after make test-deps}
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for method in lora dora; do
  "$cli" train "$repo/examples/$method.yaml" --set "model=$repo/examples/demo-base" \
    --set "dataset=$repo/examples/data/tool_calls_sample.jsonl" --set "output_dir=$work/$method" \
    --set max_steps=6 --set learning_rate=0.02 --set save_steps=0 --set batch_size=2 > "$work/$method.log" 2>&1 ||
    { cat "$work/$method.log"; exit 1; }
done
exec "$npm_dir/node_modules/.bin/node" "$(dirname "$0")/openai_client.mjs" "$cli" "$npm_dir" "$repo/examples/demo-base" \
  "$work/lora" "$work/dora"

#!/usr/bin/env bash
# The main job (`make demo`) on the built-in default model, examples/demo-base: a small Llama
# pre-trained to copy (tools/demo/README.md says how it was made). It has never seen the demo's
# seven tools; a LoRA adapter trained here on examples/data/tool_calls_train.jsonl teaches it to
# answer requests with Hermes <tool_call> JSON, and the held-out set (cities, names, numbers and
# phrasings training never shows) is scored by exact match of the parsed calls, before and after.
# Arguments after the CLI's path go to `train` (e.g. --set max_steps=150 for a shorter run).
set -euo pipefail
cli=${1:-build/release/src/cli/llm-mcp}
shift || true
base=examples/demo-base
adapter=build/demo/tool-adapter
held_out=examples/data/tool_calls_eval.jsonl
echo "== the base model"
"$cli" info --model "$base"
echo
echo "== the base alone on the held-out requests (it was never taught these tools)"
"$cli" eval --model "$base" --data "$held_out"
echo
echo "== train a LoRA adapter (examples/tool_calling.yaml) -> $adapter"
rm -rf "$adapter"
"$cli" train examples/tool_calling.yaml "$@"
echo
echo "== base + adapter on the held-out requests (every case: ok/MISS, the request, the parsed calls)"
"$cli" eval --model "$base" --adapter "$adapter" --data "$held_out" --verbose
echo
echo "The adapter is a PEFT folder ($adapter): \`llm-mcp merge --model $base --adapter $adapter --out DIR\`"
echo "writes a merged model; transformers + peft load the adapter as it is (ctest -R interop_peft_export)."

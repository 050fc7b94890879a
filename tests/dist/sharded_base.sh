#!/usr/bin/env bash
# Training with a sharded frozen base (shard_base: each rank keeps half the base's bytes and
# gathers a layer for each product): two ranks write the adapter one unsharded process writes with
# the same global batch (within 1e-6, the same losses) for LoRA, DoRA, QLoRA and sparse on the demo
# model; across an epoch's uneven end (a rank short of micro-batches runs a pass that adds
# nothing); on a Mixtral with an untied LM head (experts no token chose are gathered too). Each
# rank keeps about half the linear weights' bytes (metrics.jsonl), and shard_base is refused with
# full fine-tuning.
# Usage: sharded_base.sh path/to/llm-mcp
set -euo pipefail
cli=$1
py=${LLMCP_PYTHON:?LLMCP_PYTHON is not set: run through ctest}
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
port=$((20000 + RANDOM % 20000))
data=(--set "dataset=$repo/examples/data/tool_calls_sample.jsonl" --set save_steps=0 --set batch_size=2)

# pair NAME CONFIG ARGS...: one process with accumulation 2, then 2 sharded ranks with 1; compared.
pair() {
  local name=$1 config=$2
  shift 2
  "$cli" train "$config" "${data[@]}" "$@" --set gradient_accumulation_steps=2 \
    --set "output_dir=$work/$name-1" > "$work/$name-1.log" 2>&1 || { cat "$work/$name-1.log"; exit 1; }
  "$cli" train "$config" "${data[@]}" "$@" --set gradient_accumulation_steps=1 --set shard_base=true \
    --set "output_dir=$work/$name-2" --nproc-per-node 2 --master-port "$port" > "$work/$name-2.log" 2>&1 ||
    { cat "$work/$name-2.log"; exit 1; }
  port=$((port + 1))
  grep -q "rank 1 of 2 joined" "$work/$name-2.log"
  "$py" "$repo/tests/dist/compare_adapters.py" "$work/$name-1" "$work/$name-2"
}

demo=(--set "model=$repo/examples/demo-base")
for method in lora dora qlora sparse; do
  echo "--- $method: 2 sharded ranks x batch 2 = 1 process x batch 2 x accumulation 2"
  extra=(--set lora_dropout=0)
  [ "$method" = sparse ] && extra=(--set mask_update_interval=1)
  pair "$method" "$repo/examples/$method.yaml" "${demo[@]}" "${extra[@]}" --set max_steps=3
done

echo "--- a group of one (WORLD_SIZE=1, as scripts/device-check.sh runs NCCL): one part per layer, the same adapter"
WORLD_SIZE=1 RANK=0 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port "$cli" train "$repo/examples/lora.yaml" "${data[@]}" \
  "${demo[@]}" --set lora_dropout=0 --set max_steps=3 --set gradient_accumulation_steps=2 --set shard_base=true \
  --set "output_dir=$work/group-of-one" > "$work/group-of-one.log" 2>&1 || { cat "$work/group-of-one.log"; exit 1; }
port=$((port + 1))
grep -q '"allgather_calls"' "$work/group-of-one/metrics.jsonl"
"$py" "$repo/tests/dist/compare_adapters.py" "$work/lora-1" "$work/group-of-one"

echo "--- two epochs of 5 micro-batches: each epoch's last step has one for rank 0 and none for rank 1"
pair epochs "$repo/examples/lora.yaml" "${demo[@]}" --set lora_dropout=0 --set epochs=2

echo "--- each rank keeps half the linear weights' bytes, and the steps gathered them"
"$py" - "$repo/examples/demo-base" "$work/lora-2" <<'PY'
import json, sys
from safetensors import safe_open
with safe_open(f"{sys.argv[1]}/model.safetensors", "pt") as f:  # loaded as float32 for training
    linear = sum(f.get_slice(k).get_shape()[0] * f.get_slice(k).get_shape()[1] * 4 for k in f.keys()
                 if k.endswith("_proj.weight"))
lines = [json.loads(l) for l in open(f"{sys.argv[2]}/metrics.jsonl") if '"base_bytes_per_rank"' in l]
assert lines, "no base_bytes_per_rank in metrics.jsonl"
kept = lines[0]["base_bytes_per_rank"]
assert linear / 2 <= kept <= linear / 2 + 1024, (linear, kept)
assert all(l["allgather_calls"] > 0 and l["allgather_bytes"] >= kept for l in lines), lines
print(f"  linear weights {linear} bytes, rank 0 keeps {kept}; a step gathers {lines[0]['allgather_bytes']} bytes "
      f"in {lines[0]['allgather_calls']} all-gathers")
PY

echo "--- the planner's per-process weights (estimate --gpus 2, shard_base) drop by what the run measured"
"$cli" estimate --model "$repo/examples/demo-base" --method lora --memory 24 --fp32 --json > "$work/est1.json"
"$cli" estimate --model "$repo/examples/demo-base" --method lora --memory 24 --fp32 --gpus 2 --set shard_base=true \
  --json > "$work/est2.json"
"$py" - "$repo/examples/demo-base" "$work/lora-2" "$work/est1.json" "$work/est2.json" <<'PY'
import json, sys
from safetensors import safe_open
with safe_open(f"{sys.argv[1]}/model.safetensors", "pt") as f:
    linear = sum(f.get_slice(k).get_shape()[0] * f.get_slice(k).get_shape()[1] * 4 for k in f.keys()
                 if k.endswith("_proj.weight"))
kept = next(json.loads(l) for l in open(f"{sys.argv[2]}/metrics.jsonl") if '"base_bytes_per_rank"' in l)["base_bytes_per_rank"]
one, two = json.load(open(sys.argv[3])), json.load(open(sys.argv[4]))
assert two["processes"] == 2 and two["shard_base"] is True, two
saved = one["breakdown"]["weights"] - two["breakdown"]["weights"]
assert abs(saved - (linear - kept)) <= 1024, (saved, linear - kept)
assert two["breakdown"]["allreduce_buckets"] > 0 and two["breakdown"]["gathered_layer"] > 0, two["breakdown"]
print(f"  planner: {saved} bytes fewer per process; measured: {linear - kept}")
PY

echo "--- Mixtral with an untied LM head, QLoRA on every linear layer"
"$cli" create-model --arch mixtral --config '{"num_hidden_layers": 2, "tie_word_embeddings": false}' --seed 3 \
  --out "$work/mixtral" > /dev/null
pair mixtral "$repo/examples/qlora.yaml" --set "model=$work/mixtral" --set target_modules=all-linear \
  --set chat_template=mistral-v3-tools --set lora_dropout=0 --set max_steps=3

echo "--- refused: shard_base with full fine-tuning"
if "$cli" train "$repo/examples/lora.yaml" "${demo[@]}" "${data[@]}" --set method=full --set shard_base=true \
    --set "output_dir=$work/full" > "$work/full.log" 2>&1; then
  echo "full fine-tuning with shard_base was accepted"; exit 1
fi
grep -q "shard_base splits a frozen base among the processes, but full fine-tuning trains every weight" "$work/full.log" ||
  { cat "$work/full.log"; exit 1; }
echo "all sharded-base checks passed"

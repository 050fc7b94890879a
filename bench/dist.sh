#!/usr/bin/env bash
# Distributed training's communication, measured side by side with PyTorch's DDP, then projected to
# GPUs on paper. On this machine (Gloo over loopback, one thread per rank): LoRA r16 on every linear
# layer of the small preset with a 512-token vocabulary and tied embeddings (so the linear layers
# hold 98% of the weights, as in Llama-2 7B's 96%, rather than the 41% of the preset's 32K
# vocabulary and untied head), rows of exactly seq_len tokens, the same global batch four ways: one
# process with accumulation 2; two data-parallel ranks; two ranks with the base sharded
# (shard_base); and transformers + PEFT inside torch.nn.parallel.DistributedDataParallel
# (bench/ddp_peft_train.py). From each run's metrics.jsonl: step time, bytes all-reduced and
# gathered per step, time spent waiting on them, and how much of the all-reduce started during
# backward (DDP: its own counters). Then bench/dist_projection.py turns the per-step byte counts
# these runs confirm into a table of step times for 2-8 GPUs on NVLink and PCIe, for Llama-2 7B
# (data-parallel) and 70B (sharded base), under stated assumptions about the links and the GPU.
# Usage: bench/dist.sh [build-dir]  (make bench runs it)
set -euo pipefail
build=${1:-build/release}
here=$(cd "$(dirname "$0")" && pwd)
cli=$build/src/cli/llm-mcp
py=$("$here/../scripts/install-python-env.sh")
models=build/bench-models
steps=${DIST_STEPS:-6}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
port=$((20000 + RANDOM % 20000))

/usr/bin/python3 - "$work/text.jsonl" <<'PY'
import json, random, sys
random.seed(0)
words = ("the a of to and in is it you that he was for on are with as his they be at one have this from or had by "
         "word but what some we can out other were all there when up use your how said an each she which do their").split()
with open(sys.argv[1], "w") as f:
    for _ in range(48):
        f.write(json.dumps({"text": " ".join(random.choice(words) for _ in range(3000))}) + "\n")
PY
m=$models/dist-small-v512
[ -f "$m/model.safetensors" ] || "$cli" create-model --preset small --config '{"vocab_size": 512, "tie_word_embeddings": true}' \
  --seed 0 --out "$m" >/dev/null
cat > "$work/run.yaml" <<YAML
{model: $PWD/$m, dataset: $work/text.jsonl, method: lora, lora_rank: 16, lora_alpha: 32, lora_dropout: 0,
 target_modules: all-linear, batch_size: 1, seq_len: 256, max_steps: $((steps + 1)), save_steps: 0,
 logging_steps: 1, learning_rate: 1.0e-4}
YAML

ours() {  # name extra-arguments...
  "$cli" train "$work/run.yaml" --set "output_dir=$work/$1" "${@:2}" > "$work/$1.json" 2> "$work/$1.log" ||
    { cat "$work/$1.log" >&2; exit 1; }
}
ours one --set gradient_accumulation_steps=2
ours dp --nproc-per-node 2 --master-port "$port"
ours sharded --set shard_base=true --nproc-per-node 2 --master-port $((port + 1))
OMP_NUM_THREADS=1 "$py" -m torch.distributed.run --nproc-per-node 2 --master-port $((port + 2)) \
  "$here/ddp_peft_train.py" --model "$m" --rows "$work/text.jsonl" --rank 16 --batch 1 --seq 256 \
  --steps "$steps" > "$work/ddp.json" 2> "$work/ddp.log" || { cat "$work/ddp.log" >&2; exit 1; }

"$py" - "$work" <<'PY'
import json, sys
w = sys.argv[1]
def run(name):  # steps after the first (warm-up): means of the metrics
    lines = [json.loads(l) for l in open(f"{w}/{name}/metrics.jsonl") if '"step"' in l and '"loss"' in l]
    steps = lines[1:]
    step_s = (steps[-1]["elapsed_seconds"] - lines[0]["elapsed_seconds"]) / len(steps)
    mean = lambda k: sum(l.get(k, 0) for l in steps) / len(steps)
    memory = json.load(open(f"{w}/{name}.json"))["memory"]
    return {"step_s": step_s, "tok_s": 512 / step_s, "ar_bytes": mean("allreduce_bytes"),
            "ar_wait": mean("allreduce_wait_seconds"), "in_backward": mean("buckets_started_in_backward"),
            "buckets": mean("allreduce_buckets"), "ag_bytes": mean("allgather_bytes"), "ag_s": mean("allgather_seconds"),
            "ag_calls": mean("allgather_calls"), "kept": steps[-1].get("base_bytes_per_rank", 0),
            "peak": memory["peak_rss_bytes"] - memory["rss_before_model_bytes"]}
one, dp, sh = run("one"), run("dp"), run("sharded")
ddp = json.loads(open(f"{w}/ddp.json").read().strip().splitlines()[-1])
MB = 1e6
print("| run (small preset, 512-token vocabulary; LoRA r16 all-linear; 2 x 256 tokens per step) | step s | tokens/s | all-reduced MB/step | "
      "waited on it, s/step | started in backward | gathered MB/step | gathering, s/step | rank 0 peak MB |")
print("|---|---|---|---|---|---|---|---|---|")
print(f"| llm-mcp, 1 process, accumulation 2 | {one['step_s']:.2f} | {one['tok_s']:.0f} | - | - | - | - | - | {one['peak'] / MB:.0f} |")
print(f"| llm-mcp, 2 ranks, data-parallel | {dp['step_s']:.2f} | {dp['tok_s']:.0f} | {dp['ar_bytes'] / MB:.2f} | "
      f"{dp['ar_wait']:.3f} | {dp['in_backward']:.0f} of {dp['buckets']:.0f} buckets | - | - | {dp['peak'] / MB:.0f} |")
print(f"| llm-mcp, 2 ranks, shard_base | {sh['step_s']:.2f} | {sh['tok_s']:.0f} | {sh['ar_bytes'] / MB:.2f} | "
      f"{sh['ar_wait']:.3f} | {sh['in_backward']:.0f} of {sh['buckets']:.0f} buckets | {sh['ag_bytes'] / MB:.0f} "
      f"({sh['ag_calls']:.0f} gathers) | {sh['ag_s']:.2f} | {sh['peak'] / MB:.0f} |")
print(f"| PyTorch DDP + PEFT, 2 ranks | {ddp['step_s']:.2f} | {ddp['tokens_per_s']:.0f} | {ddp['allreduce_bytes'] / MB:.2f} | "
      f"{max(0.0, ddp['backward_comm_s'] - ddp['overlap_s']):.3f} (comm {ddp['backward_comm_s']:.3f}, overlapped "
      f"{ddp['overlap_s']:.3f}) | (DDP's counters) | - | - | - |")
print()
print(f"Data-parallel step time, llm-mcp / DDP: {dp['step_s'] / ddp['step_s']:.2f}x (below 1: faster). "
      f"Scaling, 1 process -> 2 ranks: {one['step_s'] / dp['step_s']:.2f}x. shard_base keeps "
      f"{sh['kept'] / MB:.0f} MB of the base per rank and gathers {sh['ag_bytes'] / MB:.0f} MB per step "
      f"({sh['ag_s'] / sh['step_s'] * 100:.0f}% of the step, not overlapped).")
json.dump({"dp": dp, "sharded": sh, "ddp": ddp}, open(f"{w}/measured.json", "w"))
PY
echo
"$py" "$here/dist_projection.py" "$cli" "$work/measured.json" "$m"

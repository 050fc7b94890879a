#!/usr/bin/env bash
# Data-parallel training (train --nproc-per-node 2, Gloo on loopback) against one process with the
# same global batch: for LoRA, DoRA, QLoRA and sparse (with RigL mask updates) on the demo model
# (and LoRA launched by torchrun --no-python), two ranks of batch 2 write the adapter one process
# writes with batch 2 and gradient_accumulation_steps 2, within 1e-6, and the same losses; the
# held-out rows, split across the ranks, give the same eval_loss. Then a rank killed mid-run: the group stops with an error naming it, rank 0's
# checkpoints stay, and --resume completes (on one process: the data position carries over); a rank
# that hangs makes the others stop within --dist-timeout with an error naming it.
# Usage: data_parallel.sh path/to/llm-mcp
set -euo pipefail
cli=$1
py=${LLMCP_PYTHON:?LLMCP_PYTHON is not set: run through ctest}
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
port=$((20000 + RANDOM % 20000))
base=(--set "model=$repo/examples/demo-base" --set "dataset=$repo/examples/data/tool_calls_sample.jsonl"
      --set save_steps=0 --set batch_size=2)

rank1_of() {  # the launcher's child with RANK=1
  local pid
  for pid in $(pgrep -P "$1"); do
    tr '\0' '\n' < "/proc/$pid/environ" | grep -qx RANK=1 && echo "$pid"
  done
  return 0
}

compare() {  # compare one two
  "$py" "$repo/tests/dist/compare_adapters.py" "$1" "$2"
}

for method in lora dora qlora sparse; do
  echo "--- $method: 2 ranks x batch 2 = 1 process x batch 2 x accumulation 2"
  extra=()
  [ "$method" != sparse ] && extra=(--set lora_dropout=0)
  # RigL mask updates at steps 1 and 2: the ranks sum their dense gradients before choosing.
  [ "$method" = sparse ] && extra=(--set mask_update_interval=1)
  "$cli" train "$repo/examples/$method.yaml" "${base[@]}" "${extra[@]}" --set max_steps=3 \
    --set gradient_accumulation_steps=2 --set "output_dir=$work/$method-1" > "$work/$method-1.log" 2>&1 ||
    { cat "$work/$method-1.log"; exit 1; }
  "$cli" train "$repo/examples/$method.yaml" "${base[@]}" "${extra[@]}" --set max_steps=3 \
    --set gradient_accumulation_steps=1 --set "output_dir=$work/$method-2" \
    --nproc-per-node 2 --master-port "$port" > "$work/$method-2.log" 2>&1 || { cat "$work/$method-2.log"; exit 1; }
  grep -q "rank 1 of 2 joined" "$work/$method-2.log"
  compare "$work/$method-1" "$work/$method-2"
  port=$((port + 1))
done

echo "--- the metrics count the all-reduced bytes: every trainable tensor once per step"
"$py" - "$work/lora-2" <<'PY'
import json, sys
from safetensors.torch import load_file
a = load_file(f"{sys.argv[1]}/adapter_model.safetensors")
want = sum(t.numel() * t.element_size() for t in a.values())
lines = [json.loads(l) for l in open(f"{sys.argv[1]}/metrics.jsonl") if '"allreduce_bytes"' in l]
assert lines and all(l["allreduce_bytes"] == want and l["world_size"] == 2 for l in lines), (want, lines)
print(f"  {want} bytes per step in {lines[0]['allreduce_buckets']} bucket(s), "
      f"{lines[0]['buckets_started_in_backward']} started during backward")
PY

echo "--- launched by torchrun (PyTorch's launcher, from the pinned torch wheel): the same adapter"
"$py" -m torch.distributed.run --no-python --nproc-per-node 2 --master-port "$port" \
  "$cli" train "$repo/examples/lora.yaml" "${base[@]}" --set lora_dropout=0 --set max_steps=3 \
  --set gradient_accumulation_steps=1 --set "output_dir=$work/torchrun" > "$work/torchrun.log" 2>&1 ||
  { cat "$work/torchrun.log"; exit 1; }
grep -q "rank 1 of 2 joined" "$work/torchrun.log"
compare "$work/lora-1" "$work/torchrun"
port=$((port + 1))

echo "--- evaluation split across the ranks: the eval_loss of one process"
for n in 1 2; do
  launch=()
  [ "$n" = 2 ] && launch=(--nproc-per-node 2 --master-port "$port")
  "$cli" train "$repo/examples/lora.yaml" "${base[@]}" --set lora_dropout=0 --set max_steps=2 --set eval_fraction=0.3 \
    --set gradient_accumulation_steps=$((3 - n)) --set "output_dir=$work/eval-$n" "${launch[@]}" > "$work/eval-$n.log" 2>&1 ||
    { cat "$work/eval-$n.log"; exit 1; }
done
port=$((port + 1))
"$py" - "$work/eval-1" "$work/eval-2" <<'PY'
import json, sys
ev = [[json.loads(l) for l in open(f"{d}/metrics.jsonl") if '"eval_loss"' in l] for d in sys.argv[1:]]
assert ev[0] and len(ev[0]) == len(ev[1]), ev
for a, b in zip(*ev):
    assert a["eval_tokens"] == b["eval_tokens"] and abs(a["eval_loss"] - b["eval_loss"]) <= 1e-6, (a, b)
print(f"  eval_loss {ev[0][-1]['eval_loss']:.6f} over {ev[0][-1]['eval_tokens']} tokens, on 1 process and on 2 ranks")
PY

echo "--- a rank killed mid-run stops the group, naming it; --resume completes"
run=(train "$repo/examples/lora.yaml" "${base[@]}" --set max_steps=400 --set save_steps=5
     --set "output_dir=$work/killed" --dist-timeout 30)
"$cli" "${run[@]}" --nproc-per-node 2 --master-port "$port" > "$work/killed.log" 2>&1 &
launcher=$!
for _ in $(seq 600); do [ -d "$work/killed/checkpoint-10" ] && break; sleep 0.1; done
[ -d "$work/killed/checkpoint-10" ] || { cat "$work/killed.log"; echo "no checkpoint-10"; exit 1; }
rank1=$(rank1_of "$launcher")
[ -n "$rank1" ] || { echo "rank 1 not found"; exit 1; }
kill -9 "$rank1"
start=$SECONDS
status=0
wait "$launcher" || status=$?
[ "$status" -ne 0 ] || { cat "$work/killed.log"; echo "the launcher succeeded after a rank was killed"; exit 1; }
grep -q "rank 1 was killed by signal" "$work/killed.log" || { cat "$work/killed.log"; exit 1; }
echo "  stopped in $((SECONDS - start)) s with status $status: $(grep -o 'rank 1 was killed[^;]*' "$work/killed.log" | head -1)"
[ -z "$(pgrep -P "$launcher" || true)" ]  # no rank left behind
"$cli" "${run[@]}" --resume > "$work/resumed.log" 2>&1 || { cat "$work/resumed.log"; exit 1; }
grep -q '"steps": 400' "$work/resumed.log" || { cat "$work/resumed.log"; exit 1; }
grep -q "trained on 2 process(es), now 1" "$work/resumed.log" || { cat "$work/resumed.log"; exit 1; }
echo "--- a rank that hangs (SIGSTOP) stops the others within --dist-timeout, naming it"
port=$((port + 1))
"$cli" train "$repo/examples/lora.yaml" "${base[@]}" --set max_steps=4000 --set save_steps=0 \
  --set "output_dir=$work/hung" --dist-timeout 8 --nproc-per-node 2 --master-port "$port" > "$work/hung.log" 2>&1 &
launcher=$!
for _ in $(seq 600); do grep -q "^step " "$work/hung.log" 2>/dev/null && break; sleep 0.1; done
rank1=$(rank1_of "$launcher")
[ -n "$rank1" ] || { cat "$work/hung.log"; echo "rank 1 not found"; exit 1; }
kill -STOP "$rank1"
start=$SECONDS
status=0
wait "$launcher" || status=$?
[ "$status" -ne 0 ] || { cat "$work/hung.log"; echo "the launcher succeeded with a hung rank"; exit 1; }
grep -Eq "rank 1 (did not get there|has not answered)" "$work/hung.log" || { cat "$work/hung.log"; exit 1; }
echo "  stopped in $((SECONDS - start)) s: $(grep -o 'no answer[^.]*' "$work/hung.log" | head -1)"
[ -z "$(pgrep -P "$launcher" || true)" ]  # the stopped rank was killed too

echo "--- the rendezvous port held by another program: a clear error, no libtorch stack, nothing written"
port=$((port + 1))
"$py" -c "import socket, time, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);
s.bind(('127.0.0.1', $port)); s.listen(); print('ready', flush=True); time.sleep(120)" > "$work/holder.out" &
holder=$!
for _ in $(seq 100); do grep -q ready "$work/holder.out" 2>/dev/null && break; sleep 0.1; done
status=0
"$cli" train "$repo/examples/lora.yaml" "${base[@]}" --set max_steps=3 --set "output_dir=$work/port-taken" \
  --nproc-per-node 2 --master-port "$port" --dist-timeout 5 > "$work/port.log" 2>&1 || status=$?
kill "$holder"
[ "$status" -ne 0 ] || { cat "$work/port.log"; echo "started on a port another program holds"; exit 1; }
grep -q "^error: rank 0: joining the group at the TCPStore failed: rank 0 could not serve the rendezvous: --master-port" \
  "$work/port.log" || { cat "$work/port.log"; exit 1; }
[ ! -e "$work/port-taken" ] || { echo "a run that never started left its output folder"; exit 1; }
echo "  $(grep -m1 '^error: ' "$work/port.log")"

# No libtorch stack frame or c10d log line reached the user in any of the runs above.
! grep -l "frame #\|c10::\|ProcessGroupGloo.cpp\|TCPStore.cpp" "$work"/*.log || { echo "libtorch text leaked"; exit 1; }

echo "data parallel: all passed"

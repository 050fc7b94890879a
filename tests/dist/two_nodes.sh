#!/usr/bin/env bash
# Two "nodes": two network namespaces joined by a veth pair, one rank in each (train --nnodes 2
# --node-rank R --master-addr of node 0), over Gloo on that link (GLOO_SOCKET_IFNAME). The adapter
# equals one process's with the same global batch. Needs root (CAP_NET_ADMIN) for `ip netns`.
# Usage: two_nodes.sh path/to/llm-mcp
set -euo pipefail
cli=$1
py=${LLMCP_PYTHON:?LLMCP_PYTHON is not set: run through ctest}
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
n0=llmcp-n0-$$ n1=llmcp-n1-$$
cleanup() {
  ip netns del "$n0" 2>/dev/null || true
  ip netns del "$n1" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
if ! ip netns add "$n0" 2>"$work/netns.err"; then
  echo "two_nodes: cannot create a network namespace ($(cat "$work/netns.err")); this test needs root" >&2
  exit 1
fi
ip netns add "$n1"
ip link add "v0-$$" type veth peer name "v1-$$"
ip link set "v0-$$" netns "$n0"
ip link set "v1-$$" netns "$n1"
ip -n "$n0" addr add 10.77.0.1/24 dev "v0-$$"
ip -n "$n1" addr add 10.77.0.2/24 dev "v1-$$"
for n in "$n0" "$n1"; do ip -n "$n" link set lo up; done
ip -n "$n0" link set "v0-$$" up
ip -n "$n1" link set "v1-$$" up

args=(train "$repo/examples/lora.yaml" --set "model=$repo/examples/demo-base"
      --set "dataset=$repo/examples/data/tool_calls_sample.jsonl" --set save_steps=0 --set batch_size=2
      --set lora_dropout=0 --set max_steps=3)
echo "--- one process, batch 2 x accumulation 2"
"$cli" "${args[@]}" --set gradient_accumulation_steps=2 --set "output_dir=$work/one" > "$work/one.log" 2>&1 ||
  { cat "$work/one.log"; exit 1; }
echo "--- node 0 (10.77.0.1) and node 1 (10.77.0.2), one rank each, batch 2"
launch=(--nnodes 2 --nproc-per-node 1 --master-addr 10.77.0.1 --master-port 29555 --dist-timeout 60)
GLOO_SOCKET_IFNAME="v0-$$" ip netns exec "$n0" "$cli" "${args[@]}" --set gradient_accumulation_steps=1 \
  --set "output_dir=$work/two" "${launch[@]}" --node-rank 0 > "$work/node0.log" 2>&1 &
node0=$!
status1=0
GLOO_SOCKET_IFNAME="v1-$$" ip netns exec "$n1" "$cli" "${args[@]}" --set gradient_accumulation_steps=1 \
  --set "output_dir=$work/two" "${launch[@]}" --node-rank 1 > "$work/node1.log" 2>&1 || status1=$?
status0=0
wait "$node0" || status0=$?
[ "$status0" -eq 0 ] && [ "$status1" -eq 0 ] || { cat "$work/node0.log" "$work/node1.log"; exit 1; }
grep -q "rank 1 of 2 joined the group at 10.77.0.1" "$work/node1.log" || { cat "$work/node1.log"; exit 1; }
"$py" - "$work/one" "$work/two" <<'PY'
import sys
from safetensors.torch import load_file
a, b = (load_file(f"{d}/adapter_model.safetensors") for d in sys.argv[1:3])
assert a.keys() == b.keys()
worst = max((a[k].double() - b[k].double()).abs().max().item() for k in a)
assert worst <= 1e-6, f"adapters differ by {worst}"
print(f"  {len(a)} tensors, largest difference {worst:.3g}")
PY
echo "two nodes: all passed"

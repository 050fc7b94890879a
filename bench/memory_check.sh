#!/usr/bin/env bash
# The memory planner against real training runs on this machine's CPU: for each configuration
# (preset x method x sequence length x checkpointing x precision), `llm-mcp train` runs 4 steps
# on rows of exactly seq_len tokens (long text records, truncated, every token a target) and
# reports its peak RSS minus its RSS just before the model was loaded; `llm-mcp estimate` gets
# the same config. Prints a markdown table; the README's copy comes from here.
#   bench/memory_check.sh [build/release] [filter-regex]
set -euo pipefail
build=${1:-build/release}
filter=${2:-.}
cli=$build/src/cli/llm-mcp
models=build/bench-models
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 - "$work/text.jsonl" <<'PY'
import json, random, sys
random.seed(0)
words = ("the a of to and in is it you that he was for on are with as his they be at one have this from or had by "
         "word but what some we can out other were all there when up use your how said an each she which do their "
         "time if will way about many then them would write like so these her long make thing see him two has look "
         "more day could go come did number sound no most people my over know water than call first who").split()
with open(sys.argv[1], "w") as f:
    for _ in range(48):
        f.write(json.dumps({"text": " ".join(random.choice(words) for _ in range(3000))}) + "\n")
PY

model_for() {  # preset arch -> folder (created once, kept in build/bench-models)
  local m=$models/mem-$2-$1
  [ -f "$m/config.json" ] || "$cli" create-model --arch "$2" --preset "$1" --seed 0 --out "$m" >/dev/null
  echo "$m"
}

# name | preset | arch | config keys (YAML flow mapping)
rows=$(cat <<'ROWS'
LoRA r16 all-linear, B4 x 256|small|llama|{method: lora, lora_rank: 16, lora_alpha: 32, lora_dropout: 0.05, target_modules: all-linear, batch_size: 4, seq_len: 256}
LoRA r16 all-linear, B4 x 512|small|llama|{method: lora, lora_rank: 16, lora_alpha: 32, lora_dropout: 0.05, target_modules: all-linear, batch_size: 4, seq_len: 512}
LoRA r16 all-linear, B4 x 512, checkpointing|small|llama|{method: lora, lora_rank: 16, lora_alpha: 32, lora_dropout: 0.05, target_modules: all-linear, batch_size: 4, seq_len: 512, gradient_checkpointing: true}
LoRA r8 q/v, B2 x 1024|small|llama|{method: lora, lora_rank: 8, target_modules: [q_proj, v_proj], batch_size: 2, seq_len: 1024}
LoRA r8 q/v, B2 x 1024, checkpointing|small|llama|{method: lora, lora_rank: 8, target_modules: [q_proj, v_proj], batch_size: 2, seq_len: 1024, gradient_checkpointing: true}
LoRA r16 all-linear, B4 x 512, bf16|small|llama|{method: lora, lora_rank: 16, lora_alpha: 32, lora_dropout: 0.05, target_modules: all-linear, batch_size: 4, seq_len: 512, bf16: true}
QLoRA NF4+DQ r16 all-linear, B4 x 512|small|llama|{method: qlora, load_in_4bit: true, bnb_4bit_quant_type: nf4, bnb_4bit_use_double_quant: true, lora_rank: 16, target_modules: all-linear, batch_size: 4, seq_len: 512}
DoRA r8 q/v dropout 0.1, B4 x 512|small|llama|{method: dora, lora_rank: 8, lora_alpha: 16, lora_dropout: 0.1, target_modules: [q_proj, v_proj], batch_size: 4, seq_len: 512}
Sparse 99%, RigL every 2 steps, B4 x 512|small|llama|{method: sparse, sparsity_ratio: 0.99, mask_update_interval: 2, batch_size: 4, seq_len: 512}
Full, B4 x 256|small|llama|{method: full, batch_size: 4, seq_len: 256}
Full, B2 x 512, checkpointing|small|llama|{method: full, batch_size: 2, seq_len: 512, gradient_checkpointing: true}
Mixtral (4 experts, top-2) LoRA r8, B2 x 512|small|mixtral|{method: lora, lora_rank: 8, target_modules: all-linear, batch_size: 2, seq_len: 512}
Falcon LoRA r16, B4 x 512|small|falcon|{method: lora, lora_rank: 16, batch_size: 4, seq_len: 512}
1B LoRA r8 q/v, B1 x 512|1b|llama|{method: lora, lora_rank: 8, target_modules: [q_proj, v_proj], batch_size: 1, seq_len: 512}
1B QLoRA NF4+DQ r16 all-linear, B2 x 512, checkpointing|1b|llama|{method: qlora, load_in_4bit: true, bnb_4bit_quant_type: nf4, bnb_4bit_use_double_quant: true, lora_rank: 16, target_modules: all-linear, batch_size: 2, seq_len: 512, gradient_checkpointing: true}
ROWS
)

echo "| configuration (preset, method, batch x seq) | estimated GiB | measured GiB | error |"
echo "|---|---|---|---|"
worst=0
while IFS='|' read -r name preset arch keys; do
  [[ "$name" =~ $filter ]] || continue
  m=$(model_for "$preset" "$arch")
  cfg=$work/run.yaml
  out=$work/out
  rm -rf "$out"
  # One YAML flow mapping: the run's files, then the row's keys.
  echo "{model: $m, dataset: $work/text.jsonl, output_dir: $out, max_steps: 4, logging_steps: 4, ${keys#\{}" >"$cfg"
  result=$("$cli" train "$cfg" 2>/dev/null)
  estimate=$("$cli" estimate --model "$m" --config "$cfg" --memory 1024 --json)
  row=$(/usr/bin/python3 - "$name ($preset)" "$result" "$estimate" <<'PY'
import json, sys
name, r, e = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
measured = r["memory"]["peak_rss_bytes"] - r["memory"]["rss_before_model_bytes"]
est = e["total_bytes"]
err = (est - measured) / measured * 100
print(f"| {name} | {est / 2**30:.2f} | {measured / 2**30:.2f} | {err:+.1f}% |\t{abs(err):.1f}")
PY
)
  echo "${row%%$'\t'*}"
  w=${row##*$'\t'}
  worst=$(/usr/bin/python3 -c "print(max($worst, $w))")
done <<<"$rows"
echo
echo "largest error: ${worst}%; 4 steps of \`llm-mcp train\`, rows of exactly seq_len tokens; measured = peak RSS - RSS before loading the model; $(nproc) threads; command: bench/memory_check.sh"

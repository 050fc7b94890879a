#!/usr/bin/env bash
# Rebuilds examples/demo-base, the demo's pre-trained base model, from nothing but this repository
# (about 65 minutes on 2 cores; python3-torch). Not part of the build: the result is committed.
#   tools/demo/make_base.sh [CLI] [WORK_DIR]
set -euo pipefail
cli=${1:-build/release/src/cli/llm-mcp}
work=${2:-build/demo-work}
mkdir -p "$work"
py=/usr/bin/python3
# 1. The copy-rich corpus (made-up entities; none of the demo's tools or phrasings).
$py tools/demo/make_pretrain_corpus.py --out "$work/corpus.txt" --docs 200000 --tokenizer-sample "$work/tok.txt"
# 2. The skeleton: a 3.5M-parameter Llama (hidden 256, 4 layers, GQA 4/2, tied embeddings, bf16)
#    with a byte-level BPE trained on the corpus, ChatML special tokens, Hermes <tool_call> tokens
#    (not special, so decoding keeps them for the tool-call parser) and the ChatML/Hermes template.
rm -rf "$work/base"
"$cli" create-model --arch llama --preset tiny --seed 0 --dtype bfloat16 \
  --config '{"vocab_size":2048,"hidden_size":256,"intermediate_size":704,"num_hidden_layers":4,"num_attention_heads":4,"num_key_value_heads":2,"tie_word_embeddings":true,"eos_token_id":[2,5],"max_position_embeddings":1024}' \
  --tokenizer-corpus "$work/tok.txt" --tokenizer-vocab 2048 \
  --special-token '<|im_start|>' --special-token '<|im_end|>' --added-token '<tool_call>' --added-token '</tool_call>' \
  --chat-template tools/demo/chat_template.jinja --out "$work/base" >/dev/null
# 3. Pre-training (bf16 autocast, 3000 steps of 32 x 256 tokens), checked against the reference forward.
nice -n 19 $py tools/demo/pretrain_base.py --model "$work/base" --corpus "$work/corpus.txt" --cli "$cli" \
  --steps 3000 --minutes 60 --log "$work/pretrain_log.jsonl"
# 4. A second stage on fresh documents (another corpus seed) at half the peak learning rate.
$py tools/demo/make_pretrain_corpus.py --out "$work/corpus2.txt" --docs 200000 --seed 2
rm -rf "$work/base2"
cp -r "$work/base" "$work/base2"
rm -f "$work/base2/pretrain_state.pt"
nice -n 19 $py tools/demo/pretrain_base.py --model "$work/base2" --init-from "$work/base" --corpus "$work/corpus2.txt" \
  --cli "$cli" --steps 2600 --warmup 50 --lr 1e-3 --minutes 60 --log "$work/pretrain2_log.jsonl"
rm -f "$work/base2/pretrain_state.pt"
rm -rf examples/demo-base
cp -r "$work/base2" examples/demo-base
echo "examples/demo-base rebuilt; the log is $work/pretrain_log.jsonl"

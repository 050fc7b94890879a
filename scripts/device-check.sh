#!/usr/bin/env bash
# The GPU check, in one command, for a machine with an NVIDIA GPU (planned for one H200 with 16
# cores, where a command may run about 10 minutes and nothing can be downloaded):
#   1. builds the CUDA binary and the benchmarks against that machine's own torch and nvcc
#      (sm_90 only, warnings not fatal: its compiler may be newer than ours);
#   2. runs the `cuda` ctest label (kernel parity, training steps and generation against the CPU);
#   3. benchmarks LoRA and QLoRA training steps on Llama-2-7B shapes (`create-model --preset 7b`,
#      random weights, bf16) at batch 1 x 2,048 against transformers + PEFT (+ bitsandbytes) on the
#      same GPU, and prints tokens/s, peak GPU memory and MFU side by side as ratios.
#
# Here, first:  scripts/device-check.sh --prepare   (downloads into .device-deps/, git-ignored: the
#               Debian packages the build needs and bitsandbytes (its CUDA 13 and CPU libraries
#               only), ~17 MB, which the GPU machine lacks)
# There:        bash scripts/device-check.sh         (carry .device-deps; results go to $OUT or
#               /tmp/device-check)
# Until a GPU machine runs it, `make test` checks that it parses (bash -n) and compiles everything
# it builds (the CUDA build is the default).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
deps_dir=.device-deps

# What the build needs beyond a CUDA + PyTorch image: headers, static gtest and the shared
# libraries they come with (Debian 12 builds; the image's glibc is newer).
DEBS=(nlohmann-json3-dev libcpp-httplib-dev libcpp-httplib0.11 libcli11-dev libspdlog-dev libspdlog1.10
      libfmt-dev libfmt9 libyaml-cpp-dev libyaml-cpp0.7 libsentencepiece-dev libsentencepiece0 libsqlite3-dev
      libsqlite3-0 libpcre2-dev libpcre2-8-0 libpcre2-16-0 libpcre2-32-0 libpcre2-posix3 libgtest-dev
      libbrotli-dev libbrotli1 libssl-dev zlib1g-dev libgloo-dev)
BNB_WHEEL="bitsandbytes==$(sed -n 's/^bitsandbytes==\([^ ]*\).*/\1/p' tools/python/requirements.lock)"

if [ "${1:-}" = --prepare ]; then
  mkdir -p "$deps_dir"
  grep -qx "/$deps_dir/" .git/info/exclude 2>/dev/null || echo "/$deps_dir/" >> .git/info/exclude
  (cd "$deps_dir" && apt-get download "${DEBS[@]}" >/dev/null)
  python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_24_x86_64 --platform manylinux_2_17_x86_64 -d "$deps_dir" "$BNB_WHEEL"
  # The wheel carries a library per CUDA and ROCm release (43 MB); the machine's torch is CUDA 13:
  # keep the cuda13x and CPU ones so the tree that travels stays under its 64 MiB.
  whl=$(ls "$deps_dir"/bitsandbytes-*.whl)
  rm -rf "$deps_dir/site" && mkdir -p "$deps_dir/site"
  (cd "$deps_dir/site" && unzip -q "$OLDPWD/$whl" && find bitsandbytes -name 'libbitsandbytes_*.so' \
     ! -name 'libbitsandbytes_cuda13*' ! -name 'libbitsandbytes_cpu*' -delete)
  rm -f "$whl"
  du -sh "$deps_dir"
  echo "device-check: now run it on the GPU machine with $deps_dir carried"
  exit 0
fi

out=${OUT:-/tmp/device-check}
mkdir -p "$out"
log() { echo "device-check: $*" | tee -a "$out/summary.txt"; }
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/gpu.txt"
[ -d "$deps_dir" ] || { echo "device-check: $deps_dir is missing: run scripts/device-check.sh --prepare here, carry it" >&2; exit 1; }

# 1. Dependencies and build.
prefix=/tmp/llmcp-deps
mkdir -p "$prefix"
for f in "$deps_dir"/*.deb; do dpkg -x "$f" "$prefix"; done
export PKG_CONFIG_SYSROOT_DIR=$prefix
export PKG_CONFIG_PATH=$prefix/usr/lib/x86_64-linux-gnu/pkgconfig:$prefix/usr/share/pkgconfig
export LD_LIBRARY_PATH=$prefix/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PYTHONPATH=$root/$deps_dir/site${PYTHONPATH:+:$PYTHONPATH}  # bitsandbytes, unpacked by --prepare
torch_root=$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')
nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
cuda_root=$(python3 -c 'import os, torch; r = os.path.join(os.path.dirname(torch.__file__), "..", "nvidia", "cu13"); print(os.path.normpath(r) if os.path.isdir(r) else "")')
[ -n "$cuda_root" ] || cuda_root=$(dirname "$(dirname "$nvcc")")
log "torch $(python3 -c 'import torch; print(torch.__version__)') at $torch_root; nvcc $nvcc; CUDA libraries $cuda_root"
t0=$(date +%s)
cmake -S . -B build/device -G Ninja -DCMAKE_BUILD_TYPE=Release -Wno-dev \
  -DLLMCP_TORCH_ROOT="$torch_root" -DLLMCP_CUDA_ROOT="$cuda_root" -DCMAKE_CUDA_COMPILER="$nvcc" \
  -DCMAKE_CUDA_ARCHITECTURES=90 -DLLMCP_WARNINGS_AS_ERRORS=OFF -DCMAKE_PREFIX_PATH="$prefix/usr" \
  -DGTEST_ROOT="$prefix/usr" > "$out/configure.log" 2>&1 || { tail -30 "$out/configure.log"; exit 1; }
ninja -C build/device llm-mcp cuda_tests train_bench generate_bench > "$out/build.log" 2>&1 ||
  { grep -m 20 -E "error|FAILED" "$out/build.log"; exit 1; }
log "built in $(( $(date +%s) - t0 )) s"

# 2. The GPU suite.
(cd build/device && ctest -L cuda --output-on-failure) 2>&1 | tee "$out/cuda-tests.log" | tail -15

# 3. Training steps on Llama-2-7B shapes against transformers + PEFT (+ bitsandbytes).
m=/tmp/llama-7b-random
[ -f "$m/config.json" ] || build/device/src/cli/llm-mcp create-model --preset 7b --dtype bfloat16 --seed 0 --out "$m" >/dev/null
B=${TRAIN_BATCH:-1}; S=${TRAIN_SEQ:-2048}; K=${TRAIN_STEPS:-3}
peak_tflops=${PEAK_TFLOPS:-989}  # H100/H200 SXM dense bf16, the datasheet's figure
for method in lora qlora; do
  args=(--model "$m" --rank 16 --batch "$B" --seq "$S" --steps "$K" --bf16 1 --device cuda)
  [ "$method" = qlora ] && args+=(--qlora nf4)
  build/device/bench/train_bench "${args[@]}" > "$out/ours-$method.json" || echo '{}' > "$out/ours-$method.json"
  python3 bench/hf_peft_train.py "${args[@]}" > "$out/peer-$method.json" || echo '{}' > "$out/peer-$method.json"
done
python3 - "$out" "$B" "$S" "$peak_tflops" <<'PY' | tee -a "$out/summary.txt"
import json, sys
out, B, S, peak = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
print(f"| Llama-2-7B shapes, bf16, batch {B} x {S} | tok/s llm-mcp | transformers + PEFT | ratio "
      "| peak GPU MiB llm-mcp | peer | ratio | MFU llm-mcp | peer |")
print("|---|---|---|---|---|---|---|---|---|")
for method in ("lora", "qlora"):
    o, p = (json.load(open(f"{out}/{who}-{method}.json")) for who in ("ours", "peer"))
    if not o or not p:
        print(f"| {method} | failed: see the logs | | | | | | | |")
        continue
    n = o["parameters"]
    mfu = lambda tps: 6 * n * tps / (peak * 1e12)  # the usual 6N per token, base weights included
    print(f"| {method} | {o['tokens_per_s']:.0f} | {p['tokens_per_s']:.0f} | {o['tokens_per_s'] / p['tokens_per_s']:.2f} "
          f"| {o['peak_gpu_mb']:.0f} | {p['peak_gpu_mb']:.0f} | {o['peak_gpu_mb'] / p['peak_gpu_mb']:.2f} "
          f"| {mfu(o['tokens_per_s']):.1%} | {mfu(p['tokens_per_s']):.1%} |")
PY
# 4. Data-parallel training's NCCL path, as a group of one on the GPU (WORLD_SIZE set: it joins).
if WORLD_SIZE=1 RANK=0 LOCAL_RANK=0 MASTER_ADDR=127.0.0.1 MASTER_PORT=29533 build/device/src/cli/llm-mcp train \
     examples/lora.yaml --set model=examples/demo-base --set dataset=examples/data/tool_calls_sample.jsonl \
     --set output_dir=/tmp/llmcp-nccl-1 --set max_steps=3 --set save_steps=0 --set device=cuda > "$out/nccl.log" 2>&1 &&
   grep -q "joined the group" "$out/nccl.log"; then
  log "NCCL at world size 1: trained 3 steps ($(grep -o '"train_loss": [0-9.]*' "$out/nccl.log"))"
else
  tail -20 "$out/nccl.log"
  log "NCCL at world size 1: FAILED"
fi
rm -rf /tmp/llmcp-nccl-1
# 5. The sharded base's NCCL all-gathers, as a group of one (each layer gathered from one part).
if WORLD_SIZE=1 RANK=0 LOCAL_RANK=0 MASTER_ADDR=127.0.0.1 MASTER_PORT=29534 build/device/src/cli/llm-mcp train \
     examples/qlora.yaml --set model=examples/demo-base --set dataset=examples/data/tool_calls_sample.jsonl \
     --set output_dir=/tmp/llmcp-nccl-2 --set max_steps=3 --set save_steps=0 --set device=cuda --set shard_base=true \
     > "$out/nccl-shard.log" 2>&1 && grep -q '"allgather_calls"' /tmp/llmcp-nccl-2/metrics.jsonl; then
  log "NCCL all-gathers (shard_base, QLoRA) at world size 1: trained 3 steps ($(grep -o '"train_loss": [0-9.]*' "$out/nccl-shard.log"))"
else
  tail -20 "$out/nccl-shard.log"
  log "NCCL all-gathers at world size 1: FAILED"
fi
rm -rf /tmp/llmcp-nccl-2

log "done in $(( $(date +%s) - t0 )) s"

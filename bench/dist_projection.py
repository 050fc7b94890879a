#!/usr/bin/env python3
"""Projects training step times on 2-8 GPUs from the per-step communication bench/dist.sh measured
(on paper: no GPU took part). What the measurement fixes: the bytes each step moves (all-reduce: every
trainable gradient once, fp32; shard_base: every linear base gathered once per pass, the measured
number of passes), and that our gathers are not overlapped with compute (no prefetch), while the
all-reduce buckets start during backward so only the last one is exposed. What is assumed, and said
in the table's notes: the GPU's effective bf16 throughput and each link's bus bandwidth. The memory
column is the planner's (llm-mcp estimate --gpus N).
Usage: dist_projection.py LLM_MCP MEASURED_JSON SMALL_MODEL_DIR"""
import json
import subprocess
import sys

from safetensors import safe_open

cli, measured, small = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
FLOPS = 400e12  # H100 SXM bf16: 989 TFLOP/s dense peak at 40% utilisation
LINKS = {"NVLink (NVSwitch)": 360e9, "PCIe Gen5, no NVLink": 20e9}  # NCCL bus bandwidth, bytes/s
TOKENS = 4 * 1024  # per GPU and step: batch 4 x seq 1024
BUCKET = 25e6      # DDP's (and our) bucket cap: the last bucket is what backward cannot hide

# Passes over the base per step, measured: the sharded run's gathered bytes over its linear bytes.
with safe_open(f"{small}/model.safetensors", "pt") as f:
    linear = sum(f.get_slice(k).get_shape()[0] * f.get_slice(k).get_shape()[1] * 4 for k in f.keys()
                 if k.endswith("_proj.weight") or k == "lm_head.weight")
sh = measured["sharded"]
passes = sh["ag_bytes"] / (linear / 2)  # 2 ranks: each receives the other's half
assert abs(measured["dp"]["ar_bytes"] - measured["ddp"]["allreduce_bytes"]) < 1024, measured  # same bytes as DDP


def estimate(model, gpus, shard, ckpt):
    args = [cli, "estimate", "--model", model, "--method", "lora", "--gpu", "H100 80GB", "--gpus", str(gpus),
            "--bf16", "--batch-size", "4", "--seq-len", "1024", "--lora-rank", "16", "--target-modules", "all-linear",
            "--json"] + (["--gradient-checkpointing"] if ckpt else []) + (["--set", "shard_base=true"] if shard else [])
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)


print("| model (LoRA r16 all-linear, bf16, 4 x 1024 tokens per GPU) | GPUs | link | all-reduce MB | gathered GB | "
      "exposed comm s | compute s | step s | scaling efficiency | per-GPU memory (planner) |")
print("|---|---|---|---|---|---|---|---|---|---|")
for model, label, shard, ckpt in [("meta-llama/Llama-2-7b-hf", "Llama-2 7B, data-parallel", False, False),
                                  ("meta-llama/Llama-2-70b-hf", "Llama-2 70B, shard_base, checkpointing", True, True)]:
    for gpus in (2, 4, 8):
        e = estimate(model, gpus, shard, ckpt)
        P, trainable = e["model"]["parameters"], e["trainable_parameters"]
        forward = 2 * P * TOKENS / FLOPS
        compute = forward * (3 if ckpt else 2)  # forward, backward (input gradients only), recompute
        ar = trainable * 4
        gathered = 0.0
        if shard:
            one = estimate(model, 1, False, ckpt)["breakdown"]["weights"]
            base = (one - e["breakdown"]["weights"]) * gpus / (gpus - 1)  # the linear bases' bytes
            gathered = (passes + (1 if ckpt else 0)) * base * (gpus - 1) / gpus
        for link, bw in LINKS.items():
            t_ar = ar * 2 * (gpus - 1) / gpus / bw
            exposed = max(min(ar, BUCKET) * 2 * (gpus - 1) / gpus / bw, t_ar - forward) + gathered / bw
            step = compute + exposed
            print(f"| {label} | {gpus} | {link} | {ar / 1e6:.0f} | {gathered / 1e9:.1f} | {exposed:.3f} | {compute:.2f} | "
                  f"{step:.2f} | {compute / step * 100:.0f}% | {e['total']} ({'fits' if e['fits'] else 'does not fit'} 80 GB) |")
print()
print(f"On paper. Assumed: {FLOPS / 1e12:.0f} TFLOP/s of bf16 per GPU (an H100 SXM at 40% of its dense peak); NCCL bus "
      f"bandwidth {LINKS['NVLink (NVSwitch)'] / 1e9:.0f} GB/s over NVLink and {LINKS['PCIe Gen5, no NVLink'] / 1e9:.0f} GB/s "
      f"over PCIe; compute 2 x parameters x tokens per pass. Measured here (bench/dist.sh): the all-reduce moves every "
      f"trainable fp32 gradient once per step (the same bytes as DDP), its buckets start during backward (only the "
      f"last is exposed); shard_base gathers the linear bases {passes:.2f} times per step without checkpointing "
      f"(one more with it), and the gathers are not overlapped (no prefetch), so they add in full.")

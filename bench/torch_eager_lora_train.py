#!/usr/bin/python3
"""The peer of bench/train_bench for bench/run.sh: LoRA training steps in PyTorch eager (Debian's
python3-torch) on the same model folder, the way transformers + PEFT run them on CPU: the HF Llama
forward of tools/reference/hf_decoder_reference.py (eager attention, fp32 softmax and norms), PEFT's
LoRA layer on every linear (base(x) + B(A(dropout(x))) * alpha/r, A kaiming-uniform, B zero), fp32
logits and cross-entropy over every next token, clip_grad_norm_(1.0), torch.optim.AdamW. With
--bf16 the frozen base is loaded in bfloat16 and the step runs under CPU bf16 autocast (adapters
stay fp32), as our trainer does. Same random rows shape, step count and thread count.
Usage: torch_eager_lora_train.py --model DIR --rank 16 --batch 2 --seq 512 --steps 3 [--bf16 1]
Prints {"tokens_per_s", "peak_rss_mb", "first_loss", "last_loss"}.
"""
import argparse
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools", "reference"))
import hf_decoder_reference as ref  # noqa: E402

TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--seq", type=int, default=512)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--bf16", default="0")
    a = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count())))
    bf16 = a.bf16 == "1"
    dtype = torch.bfloat16 if bf16 else torch.float32
    with open(os.path.join(a.model, "config.json")) as f:
        cfg = json.load(f)
    W = {k: v.to(dtype) for k, v in ref.load_safetensors(os.path.join(a.model, "model.safetensors")).items()}

    torch.manual_seed(0)
    scale = 2.0 * a.rank / a.rank  # lora_alpha = 2r, as train_bench
    lora = {}
    for name, w in W.items():
        module = name[: -len(".weight")]
        if name.endswith(".weight") and module.rsplit(".", 1)[-1] in TARGETS:
            A = torch.empty(a.rank, w.shape[1])
            torch.nn.init.kaiming_uniform_(A, a=math.sqrt(5))
            lora[module] = (A.requires_grad_(), torch.zeros(w.shape[0], a.rank, requires_grad=True))
    params = [t for pair in lora.values() for t in pair]

    def lora_linear(weights, x, prefix):
        y = F.linear(x, weights[prefix + ".weight"], weights.get(prefix + ".bias"))
        if prefix in lora:
            A, B = lora[prefix]
            y = y + F.linear(F.linear(F.dropout(x, 0.05, training=True), A), B) * scale
        return y

    ref.linear = lora_linear  # the reference forward looks `linear` up at call time
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(4, cfg["vocab_size"], (a.batch, a.seq), generator=g)
    attention = torch.ones_like(ids)

    seconds, first, last = 0.0, 0.0, 0.0
    for s in range(a.steps + 1):  # step 0 warms up
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits, _ = ref.forward(cfg, W, ids, attention, dtype)
        logits = logits.float()
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        last = loss.item()
        if s == 0:
            first = last
        else:
            seconds += time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"tokens_per_s": a.batch * a.seq * a.steps / seconds, "peak_rss_mb": peak_mb,
                      "first_loss": first, "last_loss": last}))


if __name__ == "__main__":
    main()

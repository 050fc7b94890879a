#!/usr/bin/env python3
"""The peer of bench/train_bench for bench/run.sh: training steps with the real transformers + PEFT
(+ bitsandbytes for QLoRA), from the pinned environment (tools/python/requirements.lock, the same
torch 2.15 the engine links), on the same model folder, rows shape, adapter and step count:
LlamaForCausalLM (sdpa attention) with PEFT's LoRA r, alpha 2r, dropout 0.05 on all linear layers
(use_dora for --dora; QLoRA: a 4-bit NF4/FP4 double-quantized base through BitsAndBytesConfig,
computing in the run's dtype), the loss over every next token, clip_grad_norm_(1.0), AdamW lr 1e-4.
--bf16 1 loads the frozen base in bfloat16 and runs the step under CPU bf16 autocast; PEFT keeps
the adapters in fp32 (autocast_adapter_dtype), as the C++ trainer does.
--device cuda runs it on the GPU (autocast on CUDA; peak_gpu_mb from torch.cuda.max_memory_allocated).
Usage: hf_peft_train.py --model DIR --rank 16 --batch 2 --seq 512 --steps 3 [--bf16 1] [--qlora nf4] [--dora 1]
                        [--device cpu|cuda]
Prints {"tokens_per_s", "step_s", "peak_rss_mb", "peak_gpu_mb", "first_loss", "last_loss"}.
"""
import argparse
import json
import logging
import os
import resource
import time
import warnings

logging.disable(logging.WARNING)
warnings.filterwarnings("ignore")

import torch  # noqa: E402
from peft import LoraConfig, get_peft_model  # noqa: E402
from transformers import AutoModelForCausalLM  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--seq", type=int, default=512)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--bf16", default="0")
    ap.add_argument("--qlora", default="")
    ap.add_argument("--dora", default="0")
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count())))
    bf16 = a.bf16 == "1"
    dtype = torch.bfloat16 if bf16 else torch.float32
    kwargs = {"dtype": dtype, "attn_implementation": "sdpa", "device_map": a.device}
    if a.qlora:
        from transformers import BitsAndBytesConfig
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type=a.qlora, bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=dtype)
    model = AutoModelForCausalLM.from_pretrained(a.model, **kwargs)
    for module in model.modules():  # bitsandbytes' AVX-512-BF16 path multiplies in bf16 whatever the
        if hasattr(module, "support_avx512bf16_for_cpu"):  # compute dtype (as in tests/interop)
            module.support_avx512bf16_for_cpu = False
    torch.manual_seed(0)
    model = get_peft_model(model, LoraConfig(r=a.rank, lora_alpha=2 * a.rank, lora_dropout=0.05,
                                             target_modules="all-linear", use_dora=a.dora == "1",
                                             task_type="CAUSAL_LM"))
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(4, model.config.vocab_size, (a.batch, a.seq), generator=g).to(a.device)
    attention = torch.ones_like(ids)

    seconds, first, last = 0.0, 0.0, 0.0
    for s in range(a.steps + 1):  # step 0 warms up
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        with torch.autocast(a.device.split(":")[0], dtype=torch.bfloat16, enabled=bf16):
            loss = model(input_ids=ids, attention_mask=attention, labels=ids).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        last = loss.item()  # synchronizes a GPU: the step's time is whole
        if s == 0:
            first = last
        else:
            seconds += time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_gpu = torch.cuda.max_memory_allocated() / 2**20 if a.device.startswith("cuda") else 0.0
    print(json.dumps({"tokens_per_s": a.batch * a.seq * a.steps / seconds, "step_s": seconds / a.steps,
                      "peak_rss_mb": peak_mb, "peak_gpu_mb": peak_gpu, "first_loss": first, "last_loss": last}))


if __name__ == "__main__":
    main()

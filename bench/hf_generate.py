#!/usr/bin/env python3
"""The peer of bench/generate_bench for bench/run.sh: the same model folder in the real transformers
(pinned environment, torch 2.15, sdpa attention, its DynamicCache), measuring prefill (the prompt's
forward with the cache, first token picked) and greedy decode tokens/s the way generate_bench does:
the same prompt ids, token counts and thread count, best of R after one warm-up round.
Usage: hf_generate.py --model DIR --dtype float32|bfloat16 --prompt-tokens N --new-tokens M --repeats R [--device cuda]
Prints {"impl", "dtype", "threads", "prefill_tokens_per_s", "decode_tokens_per_s"}.
"""
import argparse
import json
import logging
import os
import time
import warnings

logging.disable(logging.WARNING)
warnings.filterwarnings("ignore")

import torch  # noqa: E402
from transformers import AutoModelForCausalLM, DynamicCache  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--prompt-tokens", type=int, default=128)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count())))
    dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}[a.dtype]
    model = AutoModelForCausalLM.from_pretrained(a.model, dtype=dtype, attn_implementation="sdpa",
                                                 device_map=a.device).eval()
    ids = ((torch.arange(4, 4 + a.prompt_tokens) % 500) + 4).view(1, -1).to(a.device)  # generate_bench's prompt
    best_prefill, best_decode = float("inf"), float("inf")
    with torch.inference_mode():
        for r in range(a.repeats + 1):  # the first round warms up
            cache = DynamicCache()
            t0 = time.perf_counter()
            out = model(input_ids=ids, past_key_values=cache, use_cache=True, logits_to_keep=1)
            nxt = out.logits[:, -1].argmax(-1, keepdim=True)
            nxt.cpu()  # synchronizes a GPU, as generate_bench's item() does
            t1 = time.perf_counter()
            for _ in range(a.new_tokens):
                out = model(input_ids=nxt, past_key_values=cache, use_cache=True, logits_to_keep=1)
                nxt = out.logits[:, -1].argmax(-1, keepdim=True)
                nxt.cpu()
            t2 = time.perf_counter()
            if r:
                best_prefill, best_decode = min(best_prefill, t1 - t0), min(best_decode, t2 - t1)
    print(json.dumps({"impl": "transformers", "dtype": a.dtype, "threads": torch.get_num_threads(),
                      "prefill_tokens_per_s": a.prompt_tokens / best_prefill,
                      "decode_tokens_per_s": a.new_tokens / best_decode}))


if __name__ == "__main__":
    main()

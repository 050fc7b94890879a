#!/usr/bin/env python3
"""The llama.cpp peer of bench/generate_bench for bench/run.sh: the same model folder converted to
GGUF by llama.cpp's own convert_hf_to_gguf.py (f32 or bf16), run by llama-cpp-python (which built
llama.cpp for this CPU; scripts/install-bench-env.sh), measuring prefill (the prompt evaluated,
first token picked) and greedy decode tokens/s as generate_bench does: the same prompt ids, token
counts and threads, best of R after one warm-up round. Greedy = argmax of the last logits.
Usage: llama_cpp_generate.py --gguf FILE --prompt-tokens N --new-tokens M --repeats R
Prints {"impl", "threads", "prefill_tokens_per_s", "decode_tokens_per_s"}.
"""
import argparse
import json
import os
import time

import numpy as np
import llama_cpp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--prompt-tokens", type=int, default=128)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    threads = int(os.environ.get("OMP_NUM_THREADS", os.cpu_count()))
    llm = llama_cpp.Llama(model_path=a.gguf, n_ctx=a.prompt_tokens + a.new_tokens + 16, n_batch=a.prompt_tokens,
                          n_ubatch=a.prompt_tokens, n_threads=threads, n_threads_batch=threads, verbose=False)
    vocab = llm.n_vocab()
    prompt = [int(v) for v in (np.arange(4, 4 + a.prompt_tokens) % 500) + 4]  # generate_bench's prompt

    def last_argmax():
        return int(np.ctypeslib.as_array(llm._ctx.get_logits_ith(-1), shape=(vocab,)).argmax())

    best_prefill, best_decode = float("inf"), float("inf")
    for r in range(a.repeats + 1):  # the first round warms up
        llm.reset()
        t0 = time.perf_counter()
        llm.eval(prompt)
        nxt = last_argmax()
        t1 = time.perf_counter()
        for _ in range(a.new_tokens):
            llm.eval([nxt])
            nxt = last_argmax()
        t2 = time.perf_counter()
        if r:
            best_prefill, best_decode = min(best_prefill, t1 - t0), min(best_decode, t2 - t1)
    print(json.dumps({"impl": "llama.cpp", "threads": threads,
                      "prefill_tokens_per_s": a.prompt_tokens / best_prefill,
                      "decode_tokens_per_s": a.new_tokens / best_decode}))


if __name__ == "__main__":
    main()

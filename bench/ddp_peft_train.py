#!/usr/bin/env python3
"""The peer of bench/dist.sh: PyTorch's DistributedDataParallel (Gloo on CPUs) around transformers +
PEFT, launched by torch.distributed.run, from the pinned environment (the same torch 2.15 the engine
links), on the same model folder and rows as the llm-mcp run: LlamaForCausalLM (sdpa) with PEFT's
LoRA r, alpha 2r, dropout 0 on all linear layers, the loss over every next token, AdamW lr 1e-4, one
micro-batch per rank per step. DDP's own counters (_get_ddp_logging_data: the backward's compute
and communication times and their overlap, sampled on its first iterations) say what it hid.
Usage: python -m torch.distributed.run --nproc-per-node 2 ddp_peft_train.py --model DIR --rows F.jsonl
       --rank 16 --batch 1 --seq 256 --steps 6
Rank 0 prints {"step_s", "tokens_per_s", "allreduce_bytes", "backward_comm_s", "backward_compute_s",
"overlap_s", "world_size"}.
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
import torch.distributed as dist  # noqa: E402
from peft import LoraConfig, get_peft_model  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--rows", required=True)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--steps", type=int, default=6)
    a = ap.parse_args()
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    tok = AutoTokenizer.from_pretrained(a.model)
    texts = [json.loads(line)["text"] for line in open(a.rows)]
    rows = [tok(t, truncation=True, max_length=a.seq)["input_ids"] for t in texts]
    model = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32, attn_implementation="sdpa")
    torch.manual_seed(0)
    model = get_peft_model(model, LoraConfig(r=a.rank, lora_alpha=2 * a.rank, lora_dropout=0.0,
                                             target_modules="all-linear", task_type="CAUSAL_LM"))
    model.train()
    ddp = torch.nn.parallel.DistributedDataParallel(model)
    params = [p for p in ddp.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)
    seconds = 0.0
    for s in range(a.steps + 1):  # step 0 warms up
        first = (s * world + rank) * a.batch % len(rows)
        ids = torch.tensor([rows[(first + i) % len(rows)] for i in range(a.batch)])
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = ddp(input_ids=ids, attention_mask=torch.ones_like(ids), labels=ids).loss
        loss.backward()
        opt.step()
        loss.item()
        if s > 0:
            seconds += time.perf_counter() - t0
    data = ddp._get_ddp_logging_data()
    ns = 1e-9
    if rank == 0:
        print(json.dumps({"step_s": seconds / a.steps, "tokens_per_s": world * a.batch * a.seq * a.steps / seconds,
                          "allreduce_bytes": sum(p.numel() * p.element_size() for p in params),
                          "backward_comm_s": data.get("avg_backward_comm_time", 0) * ns,
                          "backward_compute_s": data.get("avg_backward_compute_time", 0) * ns,
                          "overlap_s": data.get("avg_backward_compute_comm_overlap_time", 0) * ns,
                          "world_size": world}))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()

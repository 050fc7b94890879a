#!/usr/bin/python3
"""Sparse upcycling (Komatsuzaki et al., 2022): a dense Llama folder -> a MixtralForCausalLM folder
whose every expert is a copy of the dense MLP (gate_proj -> w1, up_proj -> w3, down_proj -> w2)
and whose routers are small random matrices. The renormalised top-k weights sum to one, so the
upcycled model computes exactly the dense model's function: a pre-trained Mixtral for the demo's
"LoRA on experts" check, without pre-training a mixture of experts. Attention, norms, embeddings,
tokenizer and chat template are copied unchanged.

Run with Debian's /usr/bin/python3 (python3-torch):
  upcycle_moe.py --model examples/demo-base --experts 4 --top-k 2 --out build/demo/mixtral-base
"""
import argparse
import json
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from hf_decoder_reference import load_safetensors, save_safetensors  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--experts", type=int, default=4)
    ap.add_argument("--top-k", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    with open(os.path.join(a.model, "config.json")) as f:
        cfg = json.load(f)
    assert cfg["architectures"] == ["LlamaForCausalLM"], cfg["architectures"]
    W = load_safetensors(os.path.join(a.model, "model.safetensors"))
    gen = torch.Generator().manual_seed(a.seed)
    out = {}
    for name, t in W.items():
        if ".mlp." not in name:
            out[name] = t
            continue
        prefix, proj = name.split(".mlp.")
        if not proj.startswith("gate_proj"):
            continue
        for e in range(a.experts):
            moe = f"{prefix}.block_sparse_moe.experts.{e}."
            out[moe + "w1.weight"] = W[prefix + ".mlp.gate_proj.weight"]
            out[moe + "w3.weight"] = W[prefix + ".mlp.up_proj.weight"]
            out[moe + "w2.weight"] = W[prefix + ".mlp.down_proj.weight"]
        C = W[prefix + ".mlp.gate_proj.weight"].shape[1]
        router = torch.randn(a.experts, C, generator=gen) * 0.02
        out[prefix + ".block_sparse_moe.gate.weight"] = router.to(t.dtype)
    cfg["architectures"] = ["MixtralForCausalLM"]
    cfg["model_type"] = "mixtral"
    cfg.pop("mlp_bias", None)
    cfg.update({"num_local_experts": a.experts, "num_experts_per_tok": a.top_k, "output_router_logits": False,
                "router_aux_loss_coef": 0.02, "router_jitter_noise": 0.0, "sliding_window": None})
    os.makedirs(a.out, exist_ok=True)
    save_safetensors(os.path.join(a.out, "model.safetensors"), out)
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    for extra in ("tokenizer.json", "tokenizer_config.json", "generation_config.json", "chat_template.jinja"):
        if os.path.exists(os.path.join(a.model, extra)):
            shutil.copy(os.path.join(a.model, extra), os.path.join(a.out, extra))


if __name__ == "__main__":
    main()

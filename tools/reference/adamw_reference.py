#!/usr/bin/env python3
"""Reference for the trainer's optimizer step: torch.optim.AdamW (the pinned environment's torch, the
one the engine links; scripts/install-python-env.sh) with two
parameter groups (weight decay on matrices, none on 1-D tensors) and
torch.nn.utils.clip_grad_norm_ before every step, at a given learning rate per step.

  adamw_reference.py --in steps.safetensors --settings settings.json --out result.safetensors
steps.safetensors: the parameters "<name>" and their gradients "<name>.grad.<step>"; settings.json:
{"lrs": [...], "betas": [b1, b2], "eps": e, "weight_decay": wd, "max_grad_norm": m}.
Writes the parameters after the steps and AdamW's "<name>.exp_avg" / "<name>.exp_avg_sq".
"""
import argparse
import json

import torch

from hf_decoder_reference import load_safetensors, save_safetensors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--in", dest="inp", required=True)
    ap.add_argument("--settings", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    with open(a.settings) as f:
        s = json.load(f)
    t = load_safetensors(a.inp)
    names = sorted(k for k in t if ".grad." not in k)
    params = {n: torch.nn.Parameter(t[n].clone()) for n in names}
    groups = [{"params": [params[n] for n in names if params[n].dim() >= 2], "weight_decay": s["weight_decay"]},
              {"params": [params[n] for n in names if params[n].dim() < 2], "weight_decay": 0.0}]
    opt = torch.optim.AdamW([g for g in groups if g["params"]], lr=s["lrs"][0], betas=tuple(s["betas"]),
                            eps=s["eps"], foreach=False)
    for step, lr in enumerate(s["lrs"]):
        for n in names:
            params[n].grad = t[f"{n}.grad.{step}"].clone()
        if s["max_grad_norm"] > 0:
            torch.nn.utils.clip_grad_norm_(list(params.values()), s["max_grad_norm"])
        for g in opt.param_groups:
            g["lr"] = lr
        opt.step()
    out = {}
    for n in names:
        out[n] = params[n].detach()
        out[n + ".exp_avg"] = opt.state[params[n]]["exp_avg"]
        out[n + ".exp_avg_sq"] = opt.state[params[n]]["exp_avg_sq"]
    save_safetensors(a.out, out)


if __name__ == "__main__":
    main()

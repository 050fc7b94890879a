#!/usr/bin/python3
"""Independent reference for LoRA / DoRA adapters on Llama/Mistral, written from the semantics of
Hugging Face PEFT's LoRA layer (lora/layer.py, lora/dora.py): y = base(x) + s * B(A(x)), and for
DoRA y = base(x) + (m/n - 1) * W0 x + (m/n) * s * B A x with n = ||W0 + s B A|| per output row,
detached. It reads a PEFT folder (adapter_config.json + adapter_model.safetensors) with its own
code and reuses only the base forward of hf_decoder_reference.py (itself independent of the C++).

  peft_reference.py --model DIR --adapter DIR --inputs inputs.json --out out.safetensors
inputs.json: {"input_ids": [[...]], "attention_mask": [[...]], "loss_mask": [[...]]}
loss_mask[b][t] = 1 when token t is a target (predicted from position t-1).
Writes F32 "logits", "loss" (mean over target tokens), "merged.<module>.weight" (W merged as
PEFT's merge does) and "grad.<adapter key>" for every adapter tensor.
"""
import argparse
import json
import math
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_decoder_reference as ref  # noqa: E402


def pattern_value(patterns, module, default):
    for key, value in patterns.items():
        if re.match(rf"(.*\.)?({key})$", module):
            return value
    return default


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--adapter", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--dtype", default="float64")
    a = ap.parse_args()
    dtype = {"float32": torch.float32, "float64": torch.float64}[a.dtype]
    cfg = json.load(open(a.model + "/config.json"))
    acfg = json.load(open(a.adapter + "/adapter_config.json"))
    W = {k: v.to(dtype) for k, v in ref.load_safetensors(a.model + "/model.safetensors").items()}
    AD = {k: v.to(dtype).requires_grad_(True) for k, v in ref.load_safetensors(a.adapter + "/adapter_model.safetensors").items()}
    prefix = "base_model.model."
    use_rslora = acfg.get("use_rslora", False)

    def scaling(module, r):
        alpha = pattern_value(acfg.get("alpha_pattern") or {}, module, acfg["lora_alpha"])
        return alpha / math.sqrt(r) if use_rslora else alpha / r

    base_linear = ref.linear

    def adapted_linear(Wd, x, module):
        y = base_linear(Wd, x, module)
        A = AD.get(prefix + module + ".lora_A.weight")
        if A is None:
            return y
        B = AD[prefix + module + ".lora_B.weight"]
        s = scaling(module, A.shape[0])
        lora = (x @ A.t()) @ B.t()
        m = AD.get(prefix + module + ".lora_magnitude_vector")
        if m is None:
            return y + s * lora
        W0 = Wd[module + ".weight"]
        n = torch.linalg.norm(W0 + s * (B @ A), dim=1).detach()
        scale = m / n
        base_result = y - Wd[module + ".bias"] if module + ".bias" in Wd else y
        return y + (scale - 1) * base_result + scale * lora * s

    ref.linear = adapted_linear
    inp = json.load(open(a.inputs))
    ids = torch.tensor(inp["input_ids"], dtype=torch.long)
    mask = torch.tensor(inp.get("attention_mask", [[1] * ids.shape[1]] * ids.shape[0]), dtype=torch.long)
    loss_mask = torch.tensor(inp["loss_mask"], dtype=torch.bool)
    logits, _ = ref.forward(cfg, W, ids, mask, dtype)
    targets = loss_mask[:, 1:]
    lp = torch.log_softmax(logits[:, :-1].to(torch.float64), dim=-1)
    nll = -lp.gather(-1, ids[:, 1:, None])[..., 0]
    loss = nll[targets].sum() / targets.sum()
    loss.backward()

    out = {"logits": logits.detach().float(), "loss": loss.detach().float().reshape(1)}
    for k, v in AD.items():
        out["grad." + k] = v.grad.float() if v.grad is not None else torch.zeros_like(v).float()
    with torch.no_grad():
        for k in AD:
            if not k.endswith(".lora_A.weight"):
                continue
            module = k[len(prefix):-len(".lora_A.weight")]
            A, B = AD[k], AD[prefix + module + ".lora_B.weight"]
            W0 = W[module + ".weight"]
            merged = W0 + scaling(module, A.shape[0]) * (B @ A)
            m = AD.get(prefix + module + ".lora_magnitude_vector")
            if m is not None:
                merged = (m / torch.linalg.norm(merged, dim=1))[:, None] * merged
            out["merged." + module + ".weight"] = merged.float()
    ref.save_safetensors(a.out, out)


if __name__ == "__main__":
    main()

"""Hugging Face PEFT itself, in fp64: what the C++ adapters are held to where fp32 libraries cannot
resolve the difference (every adapter gradient to 1e-9 relative). Runs in the pinned Python
environment (tools/python/requirements.lock: transformers + peft), started by
tests/peft/peft_reference_test.cpp through $LLMCP_PYTHON.

  peft_fp64.py --model DIR --adapter DIR --inputs inputs.json --out out.safetensors
inputs.json: {"input_ids": [[...]], "attention_mask": [[...]], "loss_mask": [[...]]}
loss_mask[b][t] = 1 when token t is a target (predicted from position t-1).
Writes F64 "logits", "loss" (mean over target tokens), "merged.<module>.weight" (PEFT's
merge_and_unload) and "grad.<adapter key>" for every tensor of adapter_model.safetensors."""
import argparse
import json
import logging

logging.disable(logging.WARNING)

import torch  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--adapter", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    # sdpa: transformers' eager attention takes its softmax in fp32 even for an fp64 model, which
    # would cap this comparison at fp32 (measured: 6e-5 on a gradient); sdpa stays in fp64.
    model = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float64, attn_implementation="sdpa")
    peft = PeftModel.from_pretrained(model, a.adapter, is_trainable=True, autocast_adapter_dtype=False).double()
    peft.eval()  # no dropout; gradients still flow
    inp = json.load(open(a.inputs))
    ids = torch.tensor(inp["input_ids"], dtype=torch.long)
    mask = torch.tensor(inp.get("attention_mask", [[1] * ids.shape[1]] * ids.shape[0]), dtype=torch.long)
    loss_mask = torch.tensor(inp["loss_mask"], dtype=torch.bool)
    logits = peft(input_ids=ids, attention_mask=mask).logits
    targets = loss_mask[:, 1:]
    nll = -torch.log_softmax(logits[:, :-1], dim=-1).gather(-1, ids[:, 1:, None])[..., 0]
    loss = nll[targets].sum() / targets.sum()
    loss.backward()

    keys = set(load_file(a.adapter + "/adapter_model.safetensors"))
    out = {"logits": logits.detach(), "loss": loss.detach().reshape(1)}
    for name, p in peft.named_parameters():
        if not p.requires_grad:
            continue
        key = name.replace(".default", "")
        if key not in keys and key.endswith(".weight") and key[: -len(".weight")] in keys:
            key = key[: -len(".weight")]  # DoRA's magnitude is saved without ".weight"
        assert key in keys, f"PEFT trains {name}, which the adapter file does not hold"
        out["grad." + key] = p.grad.detach() if p.grad is not None else torch.zeros_like(p.detach())
    missing = keys - {k[len("grad."):] for k in out if k.startswith("grad.")}
    assert not missing, f"adapter tensors PEFT did not train: {sorted(missing)}"
    adapted = {k[len("base_model.model."):].rsplit(".lora_A", 1)[0] for k in keys if ".lora_A" in k}
    with torch.no_grad():
        merged = peft.merge_and_unload().state_dict()
    for module in adapted:
        out["merged." + module + ".weight"] = merged[module + ".weight"].detach()
    save_file({k: v.contiguous() for k, v in out.items()}, a.out)


if __name__ == "__main__":
    main()

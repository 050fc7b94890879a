#!/usr/bin/env python3
"""Reference for src/train/grad_scaler.cpp: torch.amp.GradScaler itself (the pinned environment's
torch, the one the engine links), on the CPU. Reads a JSON file
  {"settings": {"init_scale", "growth_factor", "backoff_factor", "growth_interval"},
   "steps": [[g0, g1, ...], ...]}   (each step: one parameter's raw gradient; "inf"/"nan" allowed)
and, for each step, sets the parameter's gradient to the raw one times the current scale (what
backward of the scaled loss gives), calls unscale_, step (plain SGD with lr 1, so a step taken
changes the parameter) and update. Prints per step
  {"scale_before", "unscaled", "stepped", "scale_after"}
as one JSON list.
"""
import json
import math
import sys

import torch


def main():
    spec = json.load(open(sys.argv[1]))
    s = spec["settings"]
    scaler = torch.amp.GradScaler("cpu", init_scale=s["init_scale"], growth_factor=s["growth_factor"],
                                  backoff_factor=s["backoff_factor"], growth_interval=s["growth_interval"])
    scaler.scale(torch.zeros(()))  # the scale tensor is made on first use
    p = torch.nn.Parameter(torch.zeros(len(spec["steps"][0])))
    opt = torch.optim.SGD([p], lr=1.0)
    out = []
    for raw in spec["steps"]:
        g = torch.tensor([float(v) for v in raw], dtype=torch.float32)
        before = scaler.get_scale()
        p.grad = g * torch.tensor(before, dtype=torch.float32)
        scaler.unscale_(opt)
        unscaled = [v if math.isfinite(v) else str(v) for v in p.grad.tolist()]
        old = p.detach().clone()
        scaler.step(opt)
        stepped = not torch.equal(old, p.detach())
        scaler.update()
        out.append({"scale_before": before, "unscaled": unscaled, "stepped": stepped,
                    "scale_after": scaler.get_scale()})
    print(json.dumps(out))


if __name__ == "__main__":
    main()

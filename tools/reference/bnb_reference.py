#!/usr/bin/python3
"""Independent reference for bitsandbytes' quantized formats, written in PyTorch from
bitsandbytes' documented algorithms (functional.get_4bit_type, create_dynamic_map, the
PyTorch formulation of quantize_4bit / quantize_blockwise, int8_vectorwise_quant):

  - 4-bit code books: NF4's 16 constants; FP4 = e2m1 values [0, .0625, 8, 12, 4, 6, 2, 3] and their
    negatives, divided by their largest magnitude in fp32.
  - The signed 8-bit dynamic code: for exponent i in 0..6, 2**i fraction bins of linspace(0.1, 1)
    (fp32) scaled by 10**(i-6), both signs, plus 0 and 1, sorted.
  - Blockwise: per block absmax, scaled = clamp(x * (1/absmax), -1, 1) (the partial last block
    divides by its absmax), nearest code by bucketize over the midpoints (ties to the lower code);
    FP4 takes the sign bit from the value and the nearest magnitude. Two 4-bit codes per byte, the
    first in the high nibble.
  - Double quantization: offset = mean(absmax); (absmax - offset) blockwise in 256s with the dynamic
    code.
  - int8 rows: round(w * (127 / rowmax)).

  bnb_reference.py --inputs in.safetensors --out out.safetensors --quant-type nf4 --blocksize 64
in.safetensors holds "x" (F32, flattened in row-major order). Writes code4, dynamic, packed, absmax,
qabsmax, nested_absmax, offset, absmax_dq (absmax rebuilt from the nested form), dequant (x
rebuilt from packed + absmax), int8, scb (x viewed as [rows, cols] with --cols).
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_decoder_reference import load_safetensors, save_safetensors  # noqa: E402

NF4 = [-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
       -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
       0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
       0.7229568362236023, 1.0]


def code4(kind):
    if kind == "nf4":
        return torch.tensor(NF4, dtype=torch.float32)
    mags = [0.0, 0.0625, 8.0, 12.0, 4.0, 6.0, 2.0, 3.0]
    t = torch.tensor(mags + [-m for m in mags], dtype=torch.float32)
    return t / t.abs().max()


def dynamic_code():
    values = []
    for i in range(7):
        bins = torch.linspace(0.1, 1, 2 ** i + 1, dtype=torch.float32)
        means = (bins[:-1] + bins[1:]) / 2.0
        values += ((10 ** (i - 6)) * means).tolist()
        values += (-(10 ** (i - 6)) * means).tolist()
    values += [0.0, 1.0]
    values.sort()
    return torch.tensor(values, dtype=torch.float32)


def scale_blocks(x, blocksize):
    n = x.numel()
    full = n - n % blocksize
    blocks = x[:full].reshape(-1, blocksize)
    absmax = blocks.abs().max(dim=1).values
    scaled = torch.clamp(blocks * (1.0 / absmax.clamp(min=1e-38)).view(-1, 1), -1, 1).reshape(-1)
    if full < n:
        tail = x[full:]
        am = tail.abs().max()
        absmax = torch.cat([absmax, am.view(1)])
        scaled = torch.cat([scaled, torch.clamp(tail / am.clamp(min=1e-38), -1, 1)])
    return scaled, absmax


def nearest(scaled, sorted_code):
    mids = (sorted_code[:-1] + sorted_code[1:]) / 2
    return torch.bucketize(scaled, mids)


def quantize4(x, kind, blocksize):
    scaled, absmax = scale_blocks(x, blocksize)
    code = code4(kind)
    if kind == "nf4":
        q = nearest(scaled, code)
    else:
        mags, order = code[:8].sort()
        q = order[nearest(scaled.abs(), mags)] + (scaled < 0).long() * 8
    if q.numel() % 2:
        q = torch.cat([q, torch.zeros(1, dtype=q.dtype)])
    q = q.to(torch.uint8)
    return (q[0::2] << 4) | q[1::2], absmax


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quant-type", default="nf4")
    ap.add_argument("--blocksize", type=int, default=64)
    ap.add_argument("--cols", type=int, default=0)
    a = ap.parse_args()
    x = load_safetensors(a.inputs)["x"].reshape(-1).float()
    out = {"code4": code4(a.quant_type), "dynamic": dynamic_code()}
    packed, absmax = quantize4(x, a.quant_type, a.blocksize)
    out["packed"], out["absmax"] = packed, absmax

    offset = absmax.mean()
    dyn = out["dynamic"]
    scaled2, nested_absmax = scale_blocks(absmax - offset, 256)
    out["qabsmax"] = nearest(scaled2, dyn).to(torch.uint8)
    out["nested_absmax"] = nested_absmax
    out["offset"] = offset.view(1)
    blocks2 = torch.arange(absmax.numel()) // 256
    out["absmax_dq"] = dyn[out["qabsmax"].long()] * nested_absmax[blocks2] + offset

    idx = torch.stack([packed >> 4, packed & 15], 1).reshape(-1)[: x.numel()].long()
    out["dequant"] = out["code4"][idx] * absmax[torch.arange(x.numel()) // a.blocksize]

    if a.cols:
        w = x.reshape(-1, a.cols)
        stats = w.abs().max(dim=1).values
        out["int8"] = torch.round(w * (127.0 / stats.unsqueeze(-1))).to(torch.int8)
        out["scb"] = stats
    save_safetensors(a.out, out)


if __name__ == "__main__":
    main()

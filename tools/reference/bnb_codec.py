"""bitsandbytes itself (the pinned PyPI build, on the CPU) on a vector of values, for
tests/quant/codec_reference_test.cpp: its code books, 4-bit blockwise quantization (packed bytes,
absmax), double quantization of the absmax, dequantization and int8 row quantization, so our
codecs are compared with the library byte for byte. Runs through $LLMCP_PYTHON.

  bnb_codec.py --inputs in.safetensors --out out.safetensors --quant-type nf4 --blocksize 64 --cols 77
in.safetensors holds "x" (F32, row-major). Writes code4, dynamic, packed, absmax, qabsmax,
nested_absmax, offset, dequant (x rebuilt from packed + absmax), int8, scb (x as [rows, cols])."""
import argparse
import logging

logging.disable(logging.WARNING)

import torch  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quant-type", choices=["nf4", "fp4"], required=True)
    ap.add_argument("--blocksize", type=int, required=True)
    ap.add_argument("--cols", type=int, required=True)
    a = ap.parse_args()
    import bitsandbytes.functional as F

    x = load_file(a.inputs)["x"].float().contiguous()
    out = {"code4": F.get_4bit_type(a.quant_type, device="cpu").float(),
           "dynamic": F.create_dynamic_map(signed=True).float()}
    # One row, so every block is whole within it (bitsandbytes' CPU 4-bit kernels assume blocks
    # do not straddle rows); the blocks are those of the flattened tensor either way.
    row = x.view(1, -1)
    packed, state = F.quantize_4bit(row, blocksize=a.blocksize, quant_type=a.quant_type, compress_statistics=False)
    out["packed"] = packed.view(-1).contiguous()
    out["absmax"] = state.absmax.float()
    out["dequant"] = F.dequantize_4bit(packed, state).view(-1).float()
    _, nested = F.quantize_4bit(row, blocksize=a.blocksize, quant_type=a.quant_type, compress_statistics=True)
    out["qabsmax"] = nested.absmax.view(-1).to(torch.uint8)
    out["nested_absmax"] = nested.state2.absmax.float()
    out["offset"] = torch.as_tensor(nested.offset, dtype=torch.float32).view(1)
    rows = x.numel() // a.cols
    w = x[: rows * a.cols].view(rows, a.cols)
    int8, scb, _ = F.int8_vectorwise_quant(w)
    out["int8"] = int8.contiguous()
    out["scb"] = scb.float()
    save_file({k: v.contiguous() for k, v in out.items()}, a.out)


if __name__ == "__main__":
    main()

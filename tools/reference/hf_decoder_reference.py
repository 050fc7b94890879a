#!/usr/bin/python3
"""Independent reference for Llama/Mistral logits, written from the semantics of Hugging Face
transformers' modeling_llama.py / modeling_mistral.py (RMSNorm in fp32, rotate-half RoPE with
linear / dynamic / llama3 scaling, repeat_kv for GQA, eager attention with an additive mask,
sliding window `kv > q - window`, SwiGLU MLP). It shares no code with the C++ implementation:
safetensors is parsed here with json + struct, the model is plain torch.

Run with Debian's /usr/bin/python3 (python3-torch):
  hf_decoder_reference.py --model DIR --inputs inputs.json --out logits.safetensors [--dtype float32]
inputs.json: {"input_ids": [[...], ...], "attention_mask": [[...], ...]}  (left padding allowed)
Writes F32 "logits" [B,T,V] (and "positions").
"""
import argparse
import json
import math
import struct

import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64,
          "F64": torch.float64, "I32": torch.int32, "U8": torch.uint8, "I8": torch.int8}


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        buf = bytearray(data[base + b:base + e])
        t = torch.frombuffer(buf, dtype=DTYPES[info["dtype"]]) if e > b else torch.empty(0, dtype=DTYPES[info["dtype"]])
        out[name] = t.reshape(info["shape"]).clone()
    return out


def save_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        t = t.contiguous()
        raw = t.numpy().tobytes()
        dt = {v: k for k, v in DTYPES.items()}[t.dtype]
        header[name] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def rope_inv_freq(cfg, head_dim, seq_len):
    base = cfg.get("rope_theta", 10000.0)
    scaling = cfg.get("rope_scaling") or {}
    rope_type = scaling.get("rope_type", scaling.get("type", "default"))
    arange = torch.arange(0, head_dim, 2, dtype=torch.int64).float()
    if rope_type == "dynamic":
        max_pos = cfg["max_position_embeddings"]
        factor = scaling["factor"]
        seq_len = max(seq_len, max_pos)
        base = base * ((factor * seq_len / max_pos) - (factor - 1)) ** (head_dim / (head_dim - 2))
    inv_freq = 1.0 / (base ** (arange / head_dim))
    if rope_type == "linear":
        inv_freq = inv_freq / scaling["factor"]
    elif rope_type == "llama3":
        factor = scaling["factor"]
        low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
        old_ctx = scaling["original_max_position_embeddings"]
        low_wl, high_wl = old_ctx / low, old_ctx / high
        wavelen = 2 * math.pi / inv_freq
        llama = torch.where(wavelen > low_wl, inv_freq / factor, inv_freq)
        smooth = (old_ctx / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * llama / factor + smooth * llama
        medium = ~(wavelen < high_wl) * ~(wavelen > low_wl)
        inv_freq = torch.where(medium, smoothed, llama)
    return inv_freq


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def rms_norm(x, w, eps):
    dtype = x.dtype
    h = x.to(torch.float32)
    h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps)
    return w * h.to(dtype)


def linear(W, x, prefix):
    b = W.get(prefix + ".bias")
    return torch.nn.functional.linear(x, W[prefix + ".weight"], b)


def forward(cfg, W, input_ids, attention_mask, dtype):
    B, T = input_ids.shape
    C = cfg["hidden_size"]
    H = cfg["num_attention_heads"]
    K = cfg.get("num_key_value_heads") or H
    D = cfg.get("head_dim") or C // H
    eps = cfg.get("rms_norm_eps", 1e-6)
    # MistralConfig defaults sliding_window to 4096 (null turns it off); LlamaConfig has none.
    window = cfg.get("sliding_window", 4096) if cfg["architectures"][0] == "MistralForCausalLM" else None

    # Position ids as generate() builds them for left-padded batches.
    position_ids = attention_mask.long().cumsum(-1) - 1
    position_ids.masked_fill_(attention_mask == 0, 1)

    # 4D additive mask over cache positions (slot indices).
    q_idx = torch.arange(T)[:, None]
    kv_idx = torch.arange(T)[None, :]
    allowed = kv_idx <= q_idx
    if window is not None:
        allowed = allowed & (kv_idx > q_idx - window)
    allowed = allowed[None, :, :] & attention_mask.bool()[:, None, :]
    min_val = torch.finfo(dtype).min
    mask = torch.zeros(B, 1, T, T, dtype=dtype).masked_fill(~allowed[:, None], min_val)

    inv_freq = rope_inv_freq(cfg, D, int(position_ids.max()) + 1)
    freqs = (inv_freq[None, :, None].float() @ position_ids[:, None, :].float()).transpose(1, 2)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos().to(dtype)[:, None], emb.sin().to(dtype)[:, None]

    x = W["model.embed_tokens.weight"][input_ids]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, W[p + "input_layernorm.weight"], eps)
        q = linear(W, h, p + "self_attn.q_proj").view(B, T, H, D).transpose(1, 2)
        k = linear(W, h, p + "self_attn.k_proj").view(B, T, K, D).transpose(1, 2)
        v = linear(W, h, p + "self_attn.v_proj").view(B, T, K, D).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        rep = H // K
        k = k[:, :, None].expand(B, K, rep, T, D).reshape(B, H, T, D)
        v = v[:, :, None].expand(B, K, rep, T, D).reshape(B, H, T, D)
        w = torch.matmul(q, k.transpose(2, 3)) * (D ** -0.5) + mask
        w = torch.softmax(w, dim=-1, dtype=torch.float32).to(dtype)
        a = torch.matmul(w, v).transpose(1, 2).reshape(B, T, H * D)
        x = x + linear(W, a, p + "self_attn.o_proj")
        h = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
        act = torch.nn.functional.silu(linear(W, h, p + "mlp.gate_proj")) * linear(W, h, p + "mlp.up_proj")
        x = x + linear(W, act, p + "mlp.down_proj")
    x = rms_norm(x, W["model.norm.weight"], eps)
    head = W["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", False) else W["lm_head.weight"]
    return torch.nn.functional.linear(x, head), position_ids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--dtype", default="float32")
    a = ap.parse_args()
    dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}[a.dtype]
    with open(a.model + "/config.json") as f:
        cfg = json.load(f)
    assert cfg["architectures"][0] in ("LlamaForCausalLM", "MistralForCausalLM"), cfg["architectures"]
    W = {k: v.to(dtype) for k, v in load_safetensors(a.model + "/model.safetensors").items()}
    with open(a.inputs) as f:
        inp = json.load(f)
    ids = torch.tensor(inp["input_ids"], dtype=torch.long)
    mask = torch.tensor(inp.get("attention_mask", [[1] * ids.shape[1]] * ids.shape[0]), dtype=torch.long)
    with torch.no_grad():
        logits, pos = forward(cfg, W, ids, mask, dtype)
    save_safetensors(a.out, {"logits": logits.float(), "positions": pos})


if __name__ == "__main__":
    main()

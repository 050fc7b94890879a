#!/usr/bin/python3
"""Independent reference for Llama / Mistral / Mixtral / Falcon, written from the semantics of
Hugging Face transformers' modeling_llama.py, modeling_mistral.py, modeling_mixtral.py and
modeling_falcon.py (RMSNorm in fp32, rotate-half RoPE with linear / dynamic / llama3 scaling,
repeat_kv for GQA, eager attention with an additive mask, sliding window `kv > q - window`, SwiGLU
MLP; Mixtral's top-k router with renormalised weights, experts looped as HF does, and
load_balancing_loss_func; Falcon's three query_key_value splits, its decoder-layer branches for
new_decoder_architecture / parallel_attn / num_ln_in_parallel_attn, LayerNorm, GELU, and the legacy
RWForCausalLM keys). It shares no code with the C++ implementation: safetensors is parsed here
with json + struct, the model is plain torch.

No test holds the C++ decoder to this file any more: tests/model/hf_fixture_test.cpp compares it
with transformers itself (tests/fixtures/hf-models). It remains the PyTorch-eager peer of bench/
and the forward of tools/demo's pre-training, which run on Debian's python3-torch.

Run with Debian's /usr/bin/python3 (python3-torch):
  hf_decoder_reference.py --model DIR --inputs inputs.json --out out.safetensors [--dtype float32]
                          [--loss] [--grads NAME,NAME,...]
inputs.json: {"input_ids": [[...], ...], "attention_mask": [[...], ...]}  (left padding allowed)
Writes F32 "logits" [B,T,V], "positions", and for Mixtral "router_selected.<layer>" [B*T, k]
(I64) and "router_logits.<layer>". With --loss: "ce_loss" (mean next-token loss over positions
whose token and next token are real), "aux_loss" (Mixtral) and "loss" (ce + router_aux_loss_coef
* aux when output_router_logits, as MixtralForCausalLM adds it); --grads: "grad/<NAME>" of "loss".
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
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()  # numpy has no bf16
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


def layer_norm(x, W, prefix, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), W[prefix + ".weight"], W[prefix + ".bias"], eps)


def attend(q, k, v, mask, cos, sin):
    """q [B,H,T,D], k/v [B,K,T,D] -> [B,T,H*D], with rotary and repeat_kv."""
    B, H, T, D = q.shape
    K = k.shape[1]
    q = q * cos + rotate_half(q) * sin
    k = k * cos + rotate_half(k) * sin
    rep = H // K
    k = k[:, :, None].expand(B, K, rep, T, D).reshape(B, H, T, D)
    v = v[:, :, None].expand(B, K, rep, T, D).reshape(B, H, T, D)
    w = torch.matmul(q, k.transpose(2, 3)) * (D ** -0.5) + mask
    w = torch.softmax(w, dim=-1, dtype=torch.float32).to(q.dtype)
    return torch.matmul(w, v).transpose(1, 2).reshape(B, T, H * D)


def mixtral_moe(cfg, W, p, h, dtype, trace):
    B, T, C = h.shape
    E, k = cfg.get("num_local_experts", 8), cfg.get("num_experts_per_tok", 2)
    x = h.reshape(-1, C)
    logits = torch.nn.functional.linear(x, W[p + "block_sparse_moe.gate.weight"])
    weights = torch.softmax(logits, dim=1, dtype=torch.float)
    weights, selected = torch.topk(weights, k, dim=-1)
    weights = (weights / weights.sum(dim=-1, keepdim=True)).to(dtype)
    out = torch.zeros_like(x)
    for e in range(E):
        token, slot = torch.where(selected == e)
        if token.numel() == 0:
            continue
        q = p + f"block_sparse_moe.experts.{e}."
        xe = x[token]
        ye = linear(W, torch.nn.functional.silu(linear(W, xe, q + "w1")) * linear(W, xe, q + "w3"), q + "w2")
        out.index_add_(0, token, (ye * weights[token, slot, None]).to(dtype))
    trace.append((logits, selected))
    return out.reshape(B, T, C)


def llama_forward(cfg, W, input_ids, mask, cos, sin, dtype, trace):
    B, T = input_ids.shape
    C = cfg["hidden_size"]
    H = cfg["num_attention_heads"]
    K = cfg.get("num_key_value_heads") or H
    D = cfg.get("head_dim") or C // H
    eps = cfg.get("rms_norm_eps", 1e-6)
    moe = cfg["architectures"][0] == "MixtralForCausalLM"
    x = W["model.embed_tokens.weight"][input_ids]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, W[p + "input_layernorm.weight"], eps)
        q = linear(W, h, p + "self_attn.q_proj").view(B, T, H, D).transpose(1, 2)
        k = linear(W, h, p + "self_attn.k_proj").view(B, T, K, D).transpose(1, 2)
        v = linear(W, h, p + "self_attn.v_proj").view(B, T, K, D).transpose(1, 2)
        x = x + linear(W, attend(q, k, v, mask, cos, sin), p + "self_attn.o_proj")
        h = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
        if moe:
            x = x + mixtral_moe(cfg, W, p, h, dtype, trace)
        else:
            act = torch.nn.functional.silu(linear(W, h, p + "mlp.gate_proj")) * linear(W, h, p + "mlp.up_proj")
            x = x + linear(W, act, p + "mlp.down_proj")
    x = rms_norm(x, W["model.norm.weight"], eps)
    head = W["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", False) else W["lm_head.weight"]
    return torch.nn.functional.linear(x, head)


def falcon_layout(cfg):
    """(heads, layers, new_decoder_architecture, kv heads, parallel_attn, num_ln) as HF reads them."""
    legacy = cfg["architectures"][0] == "RWForCausalLM"
    H = cfg["num_attention_heads"] if "num_attention_heads" in cfg else cfg["n_head"]
    L = cfg["num_hidden_layers"] if "num_hidden_layers" in cfg else cfg["n_layer"]
    new = ("n_head_kv" in cfg) if legacy else cfg.get("new_decoder_architecture", False)
    if new:
        K = cfg["n_head_kv"] if legacy else (cfg.get("num_kv_heads") or H)
    else:
        K = 1 if cfg.get("multi_query", True) else H
    n_ln = cfg.get("num_ln_in_parallel_attn") or (2 if new else None)
    return H, L, new, K, cfg.get("parallel_attn", True), n_ln


def falcon_forward(cfg, W, input_ids, mask, cos, sin, dtype):
    B, T = input_ids.shape
    C = cfg["hidden_size"]
    H, L, new, K, parallel, n_ln = falcon_layout(cfg)
    D = C // H
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    x = W["transformer.word_embeddings.weight"][input_ids]
    for i in range(L):
        p = f"transformer.h.{i}."
        residual = x
        if new and n_ln == 2:
            a_in = layer_norm(x, W, p + "ln_attn", eps)
            m_in = layer_norm(x, W, p + "ln_mlp", eps)
        else:
            a_in = layer_norm(x, W, p + "input_layernorm", eps)
        fused = linear(W, a_in, p + "self_attention.query_key_value")
        if new:
            qkv = fused.view(B, T, K, H // K + 2, D)
            q = qkv[:, :, :, :-2].reshape(B, T, H, D)
            k, v = qkv[:, :, :, -2], qkv[:, :, :, -1]
        elif K == H:
            qkv = fused.view(B, T, H, 3, D)
            q, k, v = qkv[..., 0, :], qkv[..., 1, :], qkv[..., 2, :]
        else:
            qkv = fused.view(B, T, H + 2, D)
            q, k, v = qkv[:, :, :-2], qkv[:, :, -2:-1], qkv[:, :, -1:]
        attn = linear(W, attend(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), mask, cos, sin),
                      p + "self_attention.dense")
        if not new:
            if parallel:
                m_in = a_in
            else:
                residual = residual + attn
                m_in = layer_norm(residual, W, p + "post_attention_layernorm", eps)
        if new and parallel and n_ln == 1:
            m_in = a_in
        mlp = linear(W, torch.nn.functional.gelu(linear(W, m_in, p + "mlp.dense_h_to_4h")), p + "mlp.dense_4h_to_h")
        if new or parallel:
            mlp = mlp + attn
        x = residual + mlp
    x = layer_norm(x, W, "transformer.ln_f", eps)
    head = W["transformer.word_embeddings.weight"] if cfg.get("tie_word_embeddings", True) else W["lm_head.weight"]
    return torch.nn.functional.linear(x, head)


def load_balancing_loss(trace, E, k, attention_mask):
    """HF's load_balancing_loss_func with an attention mask."""
    logits = torch.cat([t[0] for t in trace], dim=0)
    weights = torch.softmax(logits, dim=-1)
    _, selected = torch.topk(weights, k, dim=-1)
    expert_mask = torch.nn.functional.one_hot(selected, E)
    B, T = attention_mask.shape
    layers = logits.shape[0] // (B * T)
    m = attention_mask[None, :, :, None, None].expand(layers, B, T, k, E).reshape(-1, k, E).to(weights.dtype)
    tokens_per_expert = torch.sum(expert_mask.float() * m, dim=0) / torch.sum(m, dim=0)
    r = attention_mask[None, :, :, None].expand(layers, B, T, E).reshape(-1, E).to(weights.dtype)
    prob_per_expert = torch.sum(weights * r, dim=0) / torch.sum(r, dim=0)
    return torch.sum(tokens_per_expert * prob_per_expert.unsqueeze(0)) * E


def forward(cfg, W, input_ids, attention_mask, dtype, trace=None):
    """(logits, position ids); Mixtral appends (router logits, picked experts) per layer to `trace`."""
    trace = [] if trace is None else trace
    B, T = input_ids.shape
    arch = cfg["architectures"][0]
    falcon = arch in ("FalconForCausalLM", "RWForCausalLM")
    if falcon:
        H = falcon_layout(cfg)[0]
        D = cfg["hidden_size"] // H
        window = None
    else:
        H = cfg["num_attention_heads"]
        D = cfg.get("head_dim") or cfg["hidden_size"] // H
        # MistralConfig defaults sliding_window to 4096 (null turns it off); MixtralConfig to none;
        # LlamaConfig has none.
        window = {"MistralForCausalLM": cfg.get("sliding_window", 4096),
                  "MixtralForCausalLM": cfg.get("sliding_window")}.get(arch)

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
    if falcon:
        return falcon_forward(cfg, W, input_ids, mask, cos, sin, dtype), position_ids
    return llama_forward(cfg, W, input_ids, mask, cos, sin, dtype, trace), position_ids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--loss", action="store_true")
    ap.add_argument("--grads", default="")
    a = ap.parse_args()
    dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}[a.dtype]
    with open(a.model + "/config.json") as f:
        cfg = json.load(f)
    assert cfg["architectures"][0] in ("LlamaForCausalLM", "MistralForCausalLM", "MixtralForCausalLM",
                                       "FalconForCausalLM", "RWForCausalLM"), cfg["architectures"]
    W = {k: v.to(dtype) for k, v in load_safetensors(a.model + "/model.safetensors").items()}
    wanted = [n for n in a.grads.split(",") if n]
    for n in wanted:
        W[n].requires_grad_(True)
    with open(a.inputs) as f:
        inp = json.load(f)
    ids = torch.tensor(inp["input_ids"], dtype=torch.long)
    mask = torch.tensor(inp.get("attention_mask", [[1] * ids.shape[1]] * ids.shape[0]), dtype=torch.long)
    trace = []
    with torch.set_grad_enabled(bool(wanted)):
        logits, pos = forward(cfg, W, ids, mask, dtype, trace)
        out = {"logits": logits.detach().float(), "positions": pos}
        for i, (router_logits, selected) in enumerate(trace):
            out[f"router_logits.{i}"] = router_logits.detach().float()
            out[f"router_selected.{i}"] = selected
        if a.loss:
            valid = (mask[:, 1:] * mask[:, :-1]).bool()
            ce = torch.nn.functional.cross_entropy(logits[:, :-1].float()[valid], ids[:, 1:][valid])
            loss = ce
            out["ce_loss"] = ce.detach().reshape(1)
            if trace:
                aux = load_balancing_loss(trace, cfg.get("num_local_experts", 8), cfg.get("num_experts_per_tok", 2), mask)
                out["aux_loss"] = aux.detach().float().reshape(1)
                if cfg.get("output_router_logits", False):
                    loss = ce + cfg.get("router_aux_loss_coef", 0.001) * aux
            out["loss"] = loss.detach().float().reshape(1)
            if wanted:
                loss.backward()
                for n in wanted:
                    out["grad/" + n] = W[n].grad.float()
    save_safetensors(a.out, out)


if __name__ == "__main__":
    main()

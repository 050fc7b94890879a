#!/usr/bin/python3
"""The peer for bench/run.sh: the same Llama/Mistral/Mixtral model in PyTorch eager (Debian's
python3-torch), HF-style (DynamicCache-like concatenating KV cache, eager attention; Mixtral's
experts looped as MixtralSparseMoeBlock does: torch.where per expert, index_add_), measuring
prefill and greedy decode tokens/s with the same prompt, token counts and thread count.
Usage: torch_eager_generate.py --model DIR --dtype float32|bfloat16 --prompt-tokens N --new-tokens M --repeats R
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools", "reference"))
from hf_decoder_reference import load_safetensors, rms_norm, rope_inv_freq, rotate_half  # noqa: E402


class Model:
    def __init__(self, d, dtype):
        with open(os.path.join(d, "config.json")) as f:
            self.cfg = json.load(f)
        self.W = {k: v.to(dtype) for k, v in load_safetensors(os.path.join(d, "model.safetensors")).items()}
        self.dtype = dtype
        c = self.cfg
        self.H = c["num_attention_heads"]
        self.K = c.get("num_key_value_heads") or self.H
        self.D = c.get("head_dim") or c["hidden_size"] // self.H
        self.inv_freq = rope_inv_freq(c, self.D, 0)

    def lin(self, x, name):
        return torch.nn.functional.linear(x, self.W[name + ".weight"], self.W.get(name + ".bias"))

    def moe(self, h, p):
        B, T, C = h.shape
        x = h.reshape(-1, C)
        weights = torch.softmax(self.lin(x, p + "block_sparse_moe.gate"), dim=1, dtype=torch.float)
        weights, selected = torch.topk(weights, self.cfg.get("num_experts_per_tok", 2), dim=-1)
        weights = (weights / weights.sum(-1, keepdim=True)).to(h.dtype)
        out = torch.zeros_like(x)
        mask = torch.nn.functional.one_hot(selected, self.cfg["num_local_experts"]).permute(2, 1, 0)
        for e in range(self.cfg["num_local_experts"]):
            slot, token = torch.where(mask[e])
            if token.numel() == 0:
                continue
            q = p + f"block_sparse_moe.experts.{e}."
            xe = x[token]
            ye = self.lin(torch.nn.functional.silu(self.lin(xe, q + "w1")) * self.lin(xe, q + "w3"), q + "w2")
            out.index_add_(0, token, ye * weights[token, slot, None])
        return out.reshape(B, T, C)

    def forward(self, ids, cache):
        c, W = self.cfg, self.W
        B, T = ids.shape
        past = cache[0][0].shape[2] if cache[0] is not None else 0
        pos = torch.arange(past, past + T)[None]
        freqs = pos[..., None].float() * self.inv_freq[None, None]
        emb = torch.cat((freqs, freqs), -1)
        cos, sin = emb.cos().to(self.dtype)[:, None], emb.sin().to(self.dtype)[:, None]
        S = past + T
        mask = torch.full((T, S), torch.finfo(self.dtype).min, dtype=self.dtype).triu(past + 1)
        x = W["model.embed_tokens.weight"][ids]
        eps = c.get("rms_norm_eps", 1e-6)
        for i in range(c["num_hidden_layers"]):
            p = f"model.layers.{i}."
            h = rms_norm(x, W[p + "input_layernorm.weight"], eps)
            q = self.lin(h, p + "self_attn.q_proj").view(B, T, self.H, self.D).transpose(1, 2)
            k = self.lin(h, p + "self_attn.k_proj").view(B, T, self.K, self.D).transpose(1, 2)
            v = self.lin(h, p + "self_attn.v_proj").view(B, T, self.K, self.D).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            if cache[i] is not None:
                k = torch.cat([cache[i][0], k], 2)
                v = torch.cat([cache[i][1], v], 2)
            cache[i] = (k, v)
            rep = self.H // self.K
            kk = k.repeat_interleave(rep, 1)
            vv = v.repeat_interleave(rep, 1)
            w = torch.matmul(q, kk.transpose(2, 3)) * (self.D ** -0.5) + mask
            w = torch.softmax(w, -1, dtype=torch.float32).to(self.dtype)
            a = torch.matmul(w, vv).transpose(1, 2).reshape(B, T, -1)
            x = x + self.lin(a, p + "self_attn.o_proj")
            h = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
            if "num_local_experts" in c:
                x = x + self.moe(h, p)
                continue
            x = x + self.lin(torch.nn.functional.silu(self.lin(h, p + "mlp.gate_proj")) * self.lin(h, p + "mlp.up_proj"),
                             p + "mlp.down_proj")
        x = rms_norm(x[:, -1:], W["model.norm.weight"], eps)
        head = W["model.embed_tokens.weight"] if c.get("tie_word_embeddings") else W["lm_head.weight"]
        return torch.nn.functional.linear(x, head)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--prompt-tokens", type=int, default=128)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    # Same rule as llm-mcp's core::init_torch_threads: LLMCP_THREADS, then OMP_NUM_THREADS, then all cores.
    torch.set_num_threads(int(os.environ.get("LLMCP_THREADS") or os.environ.get("OMP_NUM_THREADS") or os.cpu_count()))
    dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}[a.dtype]
    m = Model(a.model, dtype)
    ids = ((torch.arange(4, 4 + a.prompt_tokens) % 500) + 4)[None]
    best_p, best_d = 1e30, 1e30
    with torch.inference_mode():
        for r in range(a.repeats + 1):
            cache = [None] * m.cfg["num_hidden_layers"]
            t0 = time.perf_counter()
            nxt = m.forward(ids, cache)[0, -1].argmax()
            t1 = time.perf_counter()
            for _ in range(a.new_tokens):
                nxt = m.forward(nxt.view(1, 1), cache)[0, -1].argmax()
            t2 = time.perf_counter()
            if r:
                best_p, best_d = min(best_p, t1 - t0), min(best_d, t2 - t1)
    print(json.dumps({"impl": "pytorch-eager", "dtype": a.dtype, "threads": torch.get_num_threads(),
                      "prefill_tokens_per_s": a.prompt_tokens / best_p, "decode_tokens_per_s": a.new_tokens / best_d}))


if __name__ == "__main__":
    main()

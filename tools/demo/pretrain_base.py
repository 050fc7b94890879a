#!/usr/bin/python3
"""Pre-trains the demo's small base model on the copy-rich corpus (make_pretrain_corpus.py), on CPU.

The model is a Llama written here in plain torch with Hugging Face's LlamaForCausalLM semantics
(RMSNorm computed in float32, rotate-half RoPE, grouped-query attention, SwiGLU MLP, tied
embeddings) and HF's tensor names, so the result is a normal HF Llama folder. The folder's
skeleton (config.json, tokenizer, chat template, generation_config.json) comes from
`llm-mcp create-model`; this script replaces its model.safetensors with the trained weights (in
the config's dtype) and checks its own forward against tools/reference/hf_decoder_reference.py.

Corpus ids come from the model's own tokenizer: `llm-mcp tokenize --file --json` tokenizes each
line, and the lines of a document are joined with the "\\n" token (exact for byte-level BPE with
the GPT-2 split pattern, where "\\n" always ends up a piece of its own between two non-blank
lines). Documents are separated by "\\n" + </s>; training windows start at document starts.

Run with Debian's /usr/bin/python3 (python3-torch), e.g.
  nice -n 19 tools/demo/pretrain_base.py --model DIR --corpus corpus.txt --steps 3000 --minutes 40
Training runs in bfloat16 autocast (fp32 master weights), which is ~4x faster than fp32 on CPUs with
AVX512-BF16; --fp32 turns it off. A checkpoint (DIR/pretrain_state.pt) is written every
--save-every steps and picked up again with --resume.
"""
import argparse
import json
import math
import os
import struct
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tools", "reference"))
import hf_decoder_reference as ref  # noqa: E402

DOC_END = "@@DOC_END@@"
DEFAULT_CLI = os.path.join(REPO, "build", "release", "src", "cli", "llm-mcp")


# ---- The model ---------------------------------------------------------------------------------

class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        C, self.H, self.K = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
        self.D = cfg.get("head_dim") or C // self.H
        self.q_proj = nn.Linear(C, self.H * self.D, bias=False)
        self.k_proj = nn.Linear(C, self.K * self.D, bias=False)
        self.v_proj = nn.Linear(C, self.K * self.D, bias=False)
        self.o_proj = nn.Linear(self.H * self.D, C, bias=False)

    def forward(self, x, cos, sin, mask):
        B, T, _ = x.shape
        H, K, D = self.H, self.K, self.D
        q = self.q_proj(x).view(B, T, H, D).transpose(1, 2)
        k = self.k_proj(x).view(B, T, K, D).transpose(1, 2)
        v = self.v_proj(x).view(B, T, K, D).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if H != K:
            k = k[:, :, None].expand(B, K, H // K, T, D).reshape(B, H, T, D)
            v = v[:, :, None].expand(B, K, H // K, T, D).reshape(B, H, T, D)
        w = torch.matmul(q, k.transpose(2, 3)) * (D ** -0.5) + mask.to(q.dtype)
        w = torch.softmax(w, dim=-1, dtype=torch.float32).to(q.dtype)
        a = torch.matmul(w, v).transpose(1, 2).reshape(B, T, H * D)
        return self.o_proj(a)


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        C, I = cfg["hidden_size"], cfg["intermediate_size"]
        self.gate_proj = nn.Linear(C, I, bias=False)
        self.up_proj = nn.Linear(C, I, bias=False)
        self.down_proj = nn.Linear(I, C, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class RMSNorm(nn.Module):
    def __init__(self, n, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x):
        dtype = x.dtype
        h = x.float()
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * h.to(dtype)


class Layer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        eps = cfg.get("rms_norm_eps", 1e-6)
        self.input_layernorm = RMSNorm(cfg["hidden_size"], eps)
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg["hidden_size"], eps)
        self.mlp = MLP(cfg)

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class Inner(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList([Layer(cfg) for _ in range(cfg["num_hidden_layers"])])
        self.norm = RMSNorm(cfg["hidden_size"], cfg.get("rms_norm_eps", 1e-6))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class LlamaForCausalLM(nn.Module):
    """HF names: model.embed_tokens, model.layers.N.{self_attn,mlp,...}, model.norm (lm_head tied)."""

    def __init__(self, cfg):
        super().__init__()
        assert cfg.get("tie_word_embeddings", False), "the demo base ties lm_head to the embeddings"
        assert not (cfg.get("rope_scaling") or {}), "rope scaling is not implemented here"
        self.cfg = cfg
        self.model = Inner(cfg)
        D = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
        base = cfg.get("rope_theta", 10000.0)
        inv = 1.0 / (base ** (torch.arange(0, D, 2, dtype=torch.int64).float() / D))
        self.register_buffer("inv_freq", inv, persistent=False)

    def forward(self, ids, attention_mask=None):
        """ids [B,T]; attention_mask [B,T] (1 = token, 0 = padding; left or right). Returns logits."""
        B, T = ids.shape
        if attention_mask is None:
            attention_mask = torch.ones_like(ids)
        pos = attention_mask.long().cumsum(-1) - 1
        pos = pos.masked_fill(attention_mask == 0, 1)
        freqs = pos[..., None].float() * self.inv_freq  # [B,T,D/2]
        emb = torch.cat((freqs, freqs), dim=-1)
        x = self.model.embed_tokens(ids)
        dtype = torch.get_autocast_cpu_dtype() if torch.is_autocast_cpu_enabled() else x.dtype
        cos, sin = emb.cos().to(dtype)[:, None], emb.sin().to(dtype)[:, None]
        causal = torch.ones(T, T, dtype=torch.bool).tril()
        allowed = causal[None] & attention_mask.bool()[:, None, :]
        mask = torch.zeros(B, 1, T, T).masked_fill(~allowed[:, None], torch.finfo(torch.float32).min)
        if dtype != torch.float32:
            mask = mask.clamp(min=torch.finfo(dtype).min)
        for layer in self.model.layers:
            x = layer(x, cos, sin, mask)
        x = self.model.norm(x)
        return F.linear(x, self.model.embed_tokens.weight.to(x.dtype))


def init_weights(model, seed):
    g = torch.Generator().manual_seed(seed)
    n_layers = model.cfg["num_hidden_layers"]
    for name, p in model.named_parameters():
        if name.endswith("norm.weight") or "layernorm" in name:
            nn.init.ones_(p)
        else:
            std = 0.02
            if name.endswith("o_proj.weight") or name.endswith("down_proj.weight"):
                std = 0.02 / math.sqrt(2 * n_layers)  # GPT-2 style residual scaling
            with torch.no_grad():
                p.copy_(torch.randn(p.shape, generator=g) * std)


# ---- Weights I/O -------------------------------------------------------------------------------

ST_DTYPES = {"float32": ("F32", torch.float32), "bfloat16": ("BF16", torch.bfloat16), "float16": ("F16", torch.float16)}


def read_header(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n))


def save_weights(model, path, dtype_name, names_in_order):
    """Writes the HF tensors in `names_in_order` (the skeleton's) in the given dtype."""
    st_name, dtype = ST_DTYPES[dtype_name]
    sd = model.state_dict()
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for name in names_in_order:
        t = sd[name].detach().to(dtype).contiguous()
        raw = (t.view(torch.int16) if dtype == torch.bfloat16 else t).numpy().tobytes()
        header[name] = {"dtype": st_name, "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def load_model(model_dir, dtype=torch.float32):
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    model = LlamaForCausalLM(cfg)
    W = ref.load_safetensors(os.path.join(model_dir, "model.safetensors"))
    missing, unexpected = model.load_state_dict({k: v.to(dtype) for k, v in W.items()}, strict=False)
    assert not missing and not unexpected, (missing, unexpected)
    return model.to(dtype), cfg


# ---- Tokens ------------------------------------------------------------------------------------

def newline_id(model_dir):
    with open(os.path.join(model_dir, "tokenizer.json"), encoding="utf-8") as f:
        return json.load(f)["model"]["vocab"]["\u010a"]  # byte-level "\n"


def tokenize_lines(cli, model_dir, lines, tmp_path):
    """Token ids of each line (no BOS), through `llm-mcp tokenize --file --json`."""
    with open(tmp_path, "w", encoding="utf-8") as f:
        for line in lines:
            assert "\n" not in line
            f.write(line + "\n")
    out = subprocess.run([cli, "tokenize", "--model", model_dir, "--file", tmp_path, "--json"],
                         check=True, capture_output=True, text=True).stdout
    os.remove(tmp_path)
    ids = [json.loads(l) for l in out.splitlines()]
    assert len(ids) == len(lines), (len(ids), len(lines))
    return ids


def tokenize_texts(cli, model_dir, texts, tmp_path):
    """Token ids of multi-line texts: each line tokenized, joined with the "\\n" id."""
    nl = newline_id(model_dir)
    lines, counts = [], []
    for t in texts:
        parts = t.split("\n")
        lines += parts
        counts.append(len(parts))
    ids = tokenize_lines(cli, model_dir, lines, tmp_path)
    out, at = [], 0
    for c in counts:
        seq = []
        for j in range(c):
            if j:
                seq.append(nl)
            seq += ids[at + j]
        out.append(seq)
        at += c
    return out


def corpus_tokens(cli, model_dir, corpus, cache):
    """The corpus as one id stream (int32) and the offsets where documents start."""
    if os.path.exists(cache):
        d = torch.load(cache)
        return d["ids"], d["starts"]
    t0 = time.time()
    out = subprocess.run([cli, "tokenize", "--model", model_dir, "--file", corpus, "--json"],
                         check=True, capture_output=True, text=True).stdout.splitlines()
    with open(corpus, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    assert len(lines) == len(out), (len(lines), len(out))
    nl, eos = newline_id(model_dir), 2
    stream, starts, first = [], [0], True
    for text, ids in zip(lines, out):
        if text == DOC_END:
            stream += [nl, eos]
            starts.append(len(stream))
            first = True
            continue
        if not first:
            stream.append(nl)
        stream += json.loads(ids)
        first = False
    starts.pop()
    ids_t = torch.tensor(stream, dtype=torch.int32)
    starts_t = torch.tensor(starts, dtype=torch.int64)
    torch.save({"ids": ids_t, "starts": starts_t}, cache)
    print(f"tokenized {len(lines)} lines -> {len(stream)} tokens, {len(starts)} documents "
          f"in {time.time() - t0:.0f}s", flush=True)
    return ids_t, starts_t


# ---- Checks ------------------------------------------------------------------------------------

def check_against_reference(model_dir, ids):
    """Max |logit difference| between this forward and the independent HF reference (fp32)."""
    model, cfg = load_model(model_dir)
    W = ref.load_safetensors(os.path.join(model_dir, "model.safetensors"))
    W = {k: v.float() for k, v in W.items()}
    mask = torch.ones_like(ids)
    mask[0, :3] = 0  # left padding in the first row
    with torch.no_grad():
        mine = model(ids, mask)
        theirs, _ = ref.forward(cfg, W, ids, mask, torch.float32)
    keep = mask.bool()
    return (mine[keep] - theirs[keep]).abs().max().item()


# ---- Training ----------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="folder from llm-mcp create-model; weights are replaced")
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--cli", default=DEFAULT_CLI)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--minutes", type=float, default=40.0, help="stop (and save) after this much wall time")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--min-lr", type=float, default=1e-4)
    ap.add_argument("--warmup", type=int, default=150)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--save-every", type=int, default=250)
    ap.add_argument("--log", default=None, help="loss log (JSON lines); default MODEL/../pretrain_log.jsonl")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--fp32", action="store_true", help="train in float32 instead of bfloat16 autocast")
    ap.add_argument("--init-from", help="start from this model folder's weights instead of a random init")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    with open(os.path.join(a.model, "config.json")) as f:
        cfg = json.load(f)
    skeleton_names = [k for k in read_header(os.path.join(a.model, "model.safetensors")) if k != "__metadata__"]
    model = LlamaForCausalLM(cfg)
    assert sorted(skeleton_names) == sorted(model.state_dict().keys()), "tensor names differ from the skeleton"
    init_weights(model, a.seed)
    if a.init_from:
        start, _ = load_model(a.init_from)
        model.load_state_dict(start.state_dict())
    n_params = sum(p.numel() for p in model.parameters())

    cache = a.corpus + ".ids.pt"
    ids, starts = corpus_tokens(a.cli, a.model, a.corpus, cache)
    starts = starts[starts + a.seq + 1 <= len(ids)]
    print(f"{n_params} parameters; corpus {len(ids)} tokens, {len(starts)} documents", flush=True)

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=a.lr, betas=(0.9, 0.95), eps=1e-8)
    state_path = os.path.join(a.model, "pretrain_state.pt")
    step, elapsed_before, tokens_seen = 0, 0.0, 0
    g = torch.Generator().manual_seed(a.seed)
    if a.resume and os.path.exists(state_path):
        st = torch.load(state_path)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        step, elapsed_before, tokens_seen = st["step"], st["elapsed"], st["tokens"]
        g.set_state(st["gen"])
        print(f"resumed at step {step} ({elapsed_before / 60:.1f} min so far)", flush=True)
    log_path = a.log or os.path.join(os.path.dirname(os.path.abspath(a.model)), "pretrain_log.jsonl")
    log = open(log_path, "a")

    def lr_at(s):
        if s < a.warmup:
            return a.lr * (s + 1) / a.warmup
        p = min(1.0, (s - a.warmup) / max(1, a.steps - a.warmup))
        return a.min_lr + 0.5 * (a.lr - a.min_lr) * (1 + math.cos(math.pi * p))

    def save_state():
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step,
                    "elapsed": elapsed_before + time.time() - t0, "tokens": tokens_seen, "gen": g.get_state()},
                   state_path + ".tmp")
        os.replace(state_path + ".tmp", state_path)

    t0 = time.time()
    running = None
    model.train()
    while step < a.steps:
        if elapsed_before + time.time() - t0 > a.minutes * 60:
            print("time budget reached", flush=True)
            break
        pick = starts[torch.randint(len(starts), (a.batch,), generator=g)]
        batch = torch.stack([ids[s:s + a.seq + 1] for s in pick.tolist()]).long()
        x, y = batch[:, :-1], batch[:, 1:]
        for grp in opt.param_groups:
            grp["lr"] = lr_at(step)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=not a.fp32):
            logits = model(x)
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        tokens_seen += x.numel()
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if step % 25 == 0 or step == 1:
            el = elapsed_before + time.time() - t0
            rec = {"step": step, "loss": round(loss.item(), 4), "smoothed": round(running, 4),
                   "lr": round(lr_at(step - 1), 6), "tokens": tokens_seen, "minutes": round(el / 60, 2)}
            log.write(json.dumps(rec) + "\n")
            log.flush()
            if step % 100 == 0 or step == 1:
                print(json.dumps(rec), flush=True)
        if step % a.save_every == 0:
            save_state()
    save_state()
    total = elapsed_before + time.time() - t0
    save_weights(model, os.path.join(a.model, "model.safetensors"), cfg.get("torch_dtype", "float32"), skeleton_names)
    summary = {"steps": step, "tokens": tokens_seen, "minutes": round(total / 60, 1),
               "final_smoothed_loss": round(running, 4) if running is not None else None,
               "parameters": n_params, "batch": a.batch, "seq": a.seq, "lr": a.lr,
               "bf16_autocast": not a.fp32, "corpus_tokens": int(len(ids))}
    # The saved folder, read back, against the independent reference forward.
    sample = ids[starts[0]:starts[0] + 48].long().view(2, 24)
    summary["max_abs_logit_diff_vs_reference"] = check_against_reference(a.model, sample)
    print(json.dumps(summary), flush=True)
    log.write(json.dumps({"summary": summary}) + "\n")


if __name__ == "__main__":
    main()

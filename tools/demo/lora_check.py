#!/usr/bin/python3
"""Evidence that the demo works, in PyTorch: LoRA on the demo base learns tool calling that
generalises to held-out entities.

1. Renders every training record through the model's chat template (the transformers-compatible
   Jinja environment of tools/reference/render_chat.py), as the C++ trainer does: the record becomes
   [user, assistant{tool_calls}] messages, the loss covers only the assistant turn (its tool call
   and <|im_end|>\\n). Token ids come from the model's tokenizer through `llm-mcp tokenize`, and
   the first records are checked id for id and mask for mask against `llm-mcp render-chat --json`.
2. Greedy-generates a reply for every held-out record with the base alone, parses Hermes
   <tool_call> blocks and scores exact match (tool name and arguments equal as JSON).
3. Trains LoRA (default r=16, alpha=32, dropout 0.05 on q,k,v,o,gate,up,down; AdamW; cosine
   schedule with warm-up) and scores again.

Run with Debian's /usr/bin/python3:
  nice -n 19 tools/demo/lora_check.py --model examples/demo-base \\
      --train examples/data/tool_calls_train.jsonl --eval examples/data/tool_calls_eval.jsonl
Prints a JSON summary (and --out FILE writes it with every eval case).
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tools", "reference"))
from pretrain_base import DEFAULT_CLI, load_model, tokenize_texts  # noqa: E402
from render_chat import make_environment  # noqa: E402
from hf_decoder_reference import save_safetensors as ref_save  # noqa: E402

TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


# ---- Data --------------------------------------------------------------------------------------

def load_template(model_dir):
    path = os.path.join(model_dir, "chat_template.jinja")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return f.read()
    with open(os.path.join(model_dir, "tokenizer_config.json"), encoding="utf-8") as f:
        return json.load(f)["chat_template"]


def messages_of(rec):
    """The conversation the C++ data layer builds from an {input, output, tool_calls} record."""
    msgs = []
    if rec.get("system"):
        msgs.append({"role": "system", "content": rec["system"]})
    msgs.append({"role": "user", "content": rec["input"]})
    calls = [{"type": "function", "id": "call0", "function": {"name": c["name"], "arguments": c.get("arguments", {})}}
             for c in rec.get("tool_calls", [])]
    assistant = {"role": "assistant", "content": rec.get("output", "")}
    if calls:
        assistant["tool_calls"] = calls
    msgs.append(assistant)
    return msgs


def render_records(template, records):
    """(prompt text, answer text) per record; prompt + answer is the whole rendered conversation."""
    env = make_environment()
    t = env.from_string(template)
    special = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}
    out = []
    for rec in records:
        msgs = messages_of(rec)
        full = t.render(messages=msgs, tools=rec.get("tools"), add_generation_prompt=False, **special)
        prompt = t.render(messages=msgs[:-1], tools=rec.get("tools"), add_generation_prompt=True, **special)
        assert full.startswith(prompt), (prompt, full)
        out.append((prompt, full[len(prompt):]))
    return out


def encode(cli, model_dir, pairs, tmp):
    """ids and loss mask per (prompt, answer): the answer's tokens are trained."""
    flat = [s for p in pairs for s in p]
    ids = tokenize_texts(cli, model_dir, flat, tmp)
    rows = []
    for i in range(len(pairs)):
        p, a = ids[2 * i], ids[2 * i + 1]
        rows.append((p + a, [0] * len(p) + [1] * len(a), p))
    return rows


def check_against_cli(cli, model_dir, records, rows, tmp):
    """The first records' ids and masks equal what `llm-mcp render-chat --json` gives."""
    for rec, (ids, mask, _) in zip(records, rows):
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(messages_of(rec), f)
        r = json.loads(subprocess.run([cli, "render-chat", "--model", model_dir, "--messages", tmp, "--json"],
                                      check=True, capture_output=True, text=True).stdout)
        assert r["ids"] == ids, ("ids differ from render-chat", rec, r["ids"], ids)
        assert r["mask"] == mask, ("mask differs from render-chat", rec, r["mask"], mask)
    os.remove(tmp)


# ---- LoRA --------------------------------------------------------------------------------------

class LoraLinear(nn.Module):
    """PEFT's LoRA: y = W x + (B A dropout(x)) * alpha / r, A Kaiming-uniform, B zero."""

    def __init__(self, base, r, alpha, dropout):
        super().__init__()
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.lora_A = nn.Linear(base.in_features, r, bias=False)
        self.lora_B = nn.Linear(r, base.out_features, bias=False)
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B.weight)
        self.dropout = nn.Dropout(dropout)
        self.scale = alpha / r

    def forward(self, x):
        return self.base(x) + self.lora_B(self.lora_A(self.dropout(x))) * self.scale


def add_lora(model, r, alpha, dropout):
    for p in model.parameters():
        p.requires_grad_(False)
    for name, module in list(model.named_modules()):
        for child_name, child in list(module.named_children()):
            if child_name in TARGETS and isinstance(child, nn.Linear):
                setattr(module, child_name, LoraLinear(child, r, alpha, dropout))
    return [p for p in model.parameters() if p.requires_grad]


# ---- Generation and scoring --------------------------------------------------------------------

def greedy(model, prompts, eos_ids, max_new, pad_id, batch=50):
    """Greedy continuation of each prompt (left-padded batches, no KV cache)."""
    model.eval()
    outs = []
    with torch.no_grad():
        for b0 in range(0, len(prompts), batch):
            chunk = prompts[b0:b0 + batch]
            L = max(len(p) for p in chunk)
            ids = torch.full((len(chunk), L), pad_id, dtype=torch.long)
            att = torch.zeros((len(chunk), L), dtype=torch.long)
            for i, p in enumerate(chunk):
                ids[i, L - len(p):] = torch.tensor(p)
                att[i, L - len(p):] = 1
            gen = [[] for _ in chunk]
            done = [False] * len(chunk)
            for _ in range(max_new):
                logits = model(ids, att)[:, -1]
                nxt = logits.argmax(-1)
                for i in range(len(chunk)):
                    if not done[i]:
                        t = int(nxt[i])
                        if t in eos_ids:
                            done[i] = True
                        else:
                            gen[i].append(t)
                if all(done):
                    break
                ids = torch.cat([ids, nxt[:, None]], 1)
                att = torch.cat([att, torch.ones(len(chunk), 1, dtype=torch.long)], 1)
            outs += gen
    return outs


def detokenize(cli, model_dir, lists, tmp):
    with open(tmp, "w") as f:
        for ids in lists:
            f.write(json.dumps(ids) + "\n")
    out = subprocess.run([cli, "detokenize", "--model", model_dir, "--file", tmp, "--json", "--skip-special-tokens"],
                         check=True, capture_output=True, text=True).stdout.splitlines()
    os.remove(tmp)
    return [json.loads(l) for l in out]


TOOL_CALL = re.compile(r"<tool_call>(.*?)</tool_call>", re.S)


def parse_hermes(text):
    """Calls in <tool_call> blocks, all or nothing (as src/tokenizer/chat/tool_calls.h)."""
    if text.count("<tool_call>") != text.count("</tool_call>"):
        return []
    calls = []
    for body in TOOL_CALL.findall(text):
        try:
            obj = json.loads(body.strip())
        except json.JSONDecodeError:
            return []
        if not isinstance(obj, dict) or not isinstance(obj.get("name"), str) or not obj["name"]:
            return []
        args = obj.get("arguments", {})
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except json.JSONDecodeError:
                return []
        if not isinstance(args, dict):
            return []
        calls.append({"name": obj["name"], "arguments": args})
    return calls


def score(cli, model_dir, model, records, prompts, eos_ids, pad_id, tmp, max_new=64):
    t0 = time.time()
    texts = detokenize(cli, model_dir, greedy(model, prompts, eos_ids, max_new, pad_id), tmp)
    cases, hits, by_tool = [], 0, {}
    for rec, text in zip(records, texts):
        expected = [{"name": c["name"], "arguments": c.get("arguments", {})} for c in rec["tool_calls"]]
        calls = parse_hermes(text)
        ok = calls == expected
        hits += ok
        name = expected[0]["name"]
        h, n = by_tool.get(name, (0, 0))
        by_tool[name] = (h + ok, n + 1)
        cases.append({"input": rec["input"], "expected": expected, "generated": text, "match": ok})
    return {"exact_match": hits, "cases": len(records), "accuracy": hits / len(records),
            "by_tool": {k: f"{h}/{n}" for k, (h, n) in sorted(by_tool.items())},
            "seconds": round(time.time() - t0, 1)}, cases


def save_adapter(model, out_dir, a, base_dir):
    """PEFT's on-disk format: adapter_config.json + adapter_model.safetensors (float32), so
    `llm-mcp eval --adapter DIR` can score the same adapter with the C++ engine."""
    os.makedirs(out_dir, exist_ok=True)
    tensors = {}
    for name, module in model.named_modules():
        if isinstance(module, LoraLinear):
            tensors[f"base_model.model.{name}.lora_A.weight"] = module.lora_A.weight.detach().float()
            tensors[f"base_model.model.{name}.lora_B.weight"] = module.lora_B.weight.detach().float()
    ref_save(os.path.join(out_dir, "adapter_model.safetensors"), tensors)
    cfg = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": base_dir, "r": a.rank,
           "lora_alpha": a.alpha, "lora_dropout": a.dropout, "target_modules": list(TARGETS), "bias": "none",
           "fan_in_fan_out": False, "use_rslora": False, "use_dora": False, "inference_mode": True}
    with open(os.path.join(out_dir, "adapter_config.json"), "w") as f:
        json.dump(cfg, f, indent=2)


def held_out_phrasing(records):
    """Which eval records use a phrasing that training never uses (from make_tool_data's lists)."""
    import make_tool_data as m
    pats = []
    for pair in [m.WEATHER, m.TIMER, m.EMAIL, m.CURRENCY, m.RESTAURANT, m.REMINDER, m.STOCK]:
        for t in pair[1]:
            body = re.escape(t.rstrip(".?!"))
            pats.append(re.compile(re.sub(r"\\\{[a-z]+\\\}", ".+", body), re.I))
    return [any(p.search(r["input"]) for p in pats) for r in records]


def split_scores(cases, held):
    out = {}
    for label, want in [("seen_phrasing", False), ("held_out_phrasing", True)]:
        sel = [c["match"] for c, h in zip(cases, held) if h == want]
        out[label] = f"{sum(sel)}/{len(sel)}"
    return out


# ---- Main --------------------------------------------------------------------------------------

def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--train", default=os.path.join(REPO, "examples", "data", "tool_calls_train.jsonl"))
    ap.add_argument("--eval", default=os.path.join(REPO, "examples", "data", "tool_calls_eval.jsonl"))
    ap.add_argument("--cli", default=DEFAULT_CLI)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--alpha", type=float, default=32)
    ap.add_argument("--dropout", type=float, default=0.05)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--warmup-ratio", type=float, default=0.1)
    ap.add_argument("--weight-decay", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bf16", action="store_true", help="bfloat16 autocast for training (default float32)")
    ap.add_argument("--skip-before", action="store_true", help="do not score the base alone")
    ap.add_argument("--out", help="write the summary and every eval case here (JSON)")
    ap.add_argument("--save-adapter", help="write the trained adapter here in PEFT's format")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    tmp = os.path.join(tempfile.mkdtemp(prefix="lora_check_"), "f")

    template = load_template(a.model)
    train_recs, eval_recs = read_jsonl(a.train), read_jsonl(a.eval)
    train_rows = encode(a.cli, a.model, render_records(template, train_recs), tmp)
    check_against_cli(a.cli, a.model, train_recs[:5], train_rows[:5], tmp)
    eval_rows = encode(a.cli, a.model, render_records(template, eval_recs), tmp)
    eval_prompts = [p for _, _, p in eval_rows]

    model, cfg = load_model(a.model)
    with open(os.path.join(a.model, "generation_config.json")) as f:
        gcfg = json.load(f)
    eos = gcfg.get("eos_token_id", cfg.get("eos_token_id"))
    eos_ids = set(eos if isinstance(eos, list) else [eos])
    pad_id = gcfg.get("pad_token_id", 0)

    summary = {"model": a.model, "train_records": len(train_recs), "eval_records": len(eval_recs),
               "train_tokens_per_record": round(sum(len(r[0]) for r in train_rows) / len(train_rows), 1)}
    if not a.skip_before:
        summary["before"], cases_before = score(a.cli, a.model, model, eval_recs, eval_prompts, eos_ids, pad_id, tmp)
        print(json.dumps({"before": summary["before"]}), flush=True)

    params = add_lora(model, a.rank, a.alpha, a.dropout)
    n_train = sum(p.numel() for p in params)
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=a.weight_decay)
    steps_per_epoch = math.ceil(len(train_rows) / a.batch)
    total = int(round(a.epochs * steps_per_epoch))
    warm = int(a.warmup_ratio * total)

    def lr_at(s):
        if s < warm:
            return a.lr * (s + 1) / warm
        return 0.5 * a.lr * (1 + math.cos(math.pi * (s - warm) / max(1, total - warm)))

    g = torch.Generator().manual_seed(a.seed)
    order = []
    model.train()
    t0 = time.time()
    losses = []
    for step in range(total):
        if not order:
            order = torch.randperm(len(train_rows), generator=g).tolist()
        idx, order = order[:a.batch], order[a.batch:]
        L = max(len(train_rows[i][0]) for i in idx)
        x = torch.full((len(idx), L), pad_id, dtype=torch.long)
        y = torch.full((len(idx), L), -100, dtype=torch.long)
        att = torch.zeros((len(idx), L), dtype=torch.long)
        for j, i in enumerate(idx):
            ids, mask, _ = train_rows[i]
            n = len(ids)
            x[j, :n] = torch.tensor(ids)
            att[j, :n] = 1
            tgt = torch.tensor(ids[1:] + [-100])
            m = torch.tensor(mask[1:] + [0]).bool()
            y[j, :n] = torch.where(m, tgt, torch.full_like(tgt, -100))
        for grp in opt.param_groups:
            grp["lr"] = lr_at(step)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16):
            logits = model(x, att)
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=-100)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if (step + 1) % 25 == 0 or step == 0:
            print(json.dumps({"step": step + 1, "loss": round(sum(losses[-25:]) / len(losses[-25:]), 4),
                              "lr": round(lr_at(step), 6), "seconds": round(time.time() - t0, 1)}), flush=True)
    train_seconds = time.time() - t0
    summary["training"] = {"steps": total, "epochs": a.epochs, "batch": a.batch, "lr": a.lr, "schedule": "cosine",
                           "warmup_steps": warm, "rank": a.rank, "alpha": a.alpha, "dropout": a.dropout,
                           "targets": list(TARGETS), "trainable_parameters": n_train,
                           "precision": "bf16 autocast" if a.bf16 else "float32", "threads": a.threads,
                           "seconds": round(train_seconds, 1),
                           "final_loss": round(sum(losses[-25:]) / len(losses[-25:]), 4)}
    summary["after"], cases_after = score(a.cli, a.model, model, eval_recs, eval_prompts, eos_ids, pad_id, tmp)
    held = held_out_phrasing(eval_recs)
    summary["after"]["by_phrasing"] = split_scores(cases_after, held)
    if a.save_adapter:
        save_adapter(model, a.save_adapter, a, a.model)
    print(json.dumps(summary, indent=1), flush=True)
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"summary": summary, "cases_after": cases_after,
                       "cases_before": None if a.skip_before else cases_before}, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()

"""Training equivalence: a few AdamW steps of `llm-mcp train` against PEFT's LoRA / DoRA in a plain
PyTorch loop (torch.optim.AdamW, transformers' own warmup schedules, clip_grad_norm_) from the same
initial adapter on the same rows: the adapter's tensors after every step within 1e-5 of their
largest value. Each optimizer step sees the whole dataset (4 rows = batch_size x accumulation), and
the loss is token-weighted over the accumulated micro-batches (HF Trainer's num_items_in_batch), so
neither the shuffle nor the micro-batch split changes the gradient.

adam_epsilon is 1e-2, not 1e-8: Adam moves each entry by about lr * g / (|g| + eps), so where g is
thousands of times smaller than the largest gradient (measured: 1.3e-5 against 6.7e-2) the fp32
noise of any summation order (~1e-8) becomes ~1e-3 of that entry's step; with eps = 1e-8 or 1e-4
two correct implementations differ there by ~1e-4 of the largest value. With eps (1e-2) above that
noise times 1e5, every entry is well-conditioned, the largest gradients (~7e-2) are still
normalised by their second moment, and 1e-5 holds. The loss, gradient norm and learning rate of every step are compared too (metrics.jsonl)."""
import json
import os

import pytest
import torch

from interop import llm_mcp, train_config
from safetensors.torch import load_file

ROWS = [
    "The quick brown fox jumps over the lazy dog.",
    "Large language models learn from text one token at a time.",
    "A small adapter changes what the base model says.",
    "Tokens, gradients and optimizers, step by step.",
]
STEPS = 4
KEYS = dict(batch_size=2, gradient_accumulation_steps=2, max_steps=STEPS, warmup_steps=2, learning_rate=3e-2,
            weight_decay=0.1, max_grad_norm=0.5, save_steps=1, save_total_limit=STEPS, lora_dropout=0.0, seq_len=64,
            lora_rank=4, lora_alpha=8, adam_epsilon=1e-2)

CASES = [
    ("lora_linear", {"lr_scheduler": "linear", "target_modules": ["q_proj", "v_proj", "down_proj"]}),
    ("lora_cosine_rslora", {"lr_scheduler": "cosine", "target_modules": "all-linear", "use_rslora": True}),
    ("dora", {"lr_scheduler": "linear", "use_dora": True, "target_modules": ["q_proj", "k_proj", "up_proj"]}),
]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("train")
    base = str(root / "base")
    llm_mcp("create-model", "--arch", "llama", "--seed", "4", "--out", base)
    data = str(root / "rows.jsonl")
    with open(data, "w") as f:
        for r in ROWS:
            f.write(json.dumps({"text": r}) + "\n")
    return base, data


def token_rows(base):
    """The rows as llm-mcp's data layer tokenizes text records: the tokenizer with its special tokens
    (Hugging Face's `tokenizers`), then EOS when it is not there already."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(os.path.join(base, "tokenizer.json"))
    with open(os.path.join(base, "config.json")) as f:
        eos = json.load(f)["eos_token_id"]
    rows = []
    for r in ROWS:
        ids = tok.encode(r, add_special_tokens=True).ids
        if ids[-1] != eos:
            ids.append(eos)
        rows.append(torch.tensor([ids]))
    return rows


def schedule(optimizer, name, warmup, total):
    from transformers import get_cosine_schedule_with_warmup, get_linear_schedule_with_warmup

    make = {"linear": get_linear_schedule_with_warmup, "cosine": get_cosine_schedule_with_warmup}[name]
    return make(optimizer, num_warmup_steps=warmup, num_training_steps=total)


@pytest.mark.parametrize("name,keys", CASES, ids=[c[0] for c in CASES])
def test_steps_match_peft_in_pytorch(tmp_path, setup, name, keys):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base, data = setup
    config = dict(KEYS, dataset=data, **keys)
    # The initial adapter: the same seed, one step inside the warmup, whose learning rate is 0.
    init = str(tmp_path / "init")
    llm_mcp("train", train_config(str(tmp_path), base, init, **dict(config, max_steps=1, warmup_steps=1, save_steps=0)))
    run = str(tmp_path / "run")
    llm_mcp("train", train_config(str(tmp_path), base, run, **config))

    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    model = PeftModel.from_pretrained(model, init, is_trainable=True)
    model.train()
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    decay = [p for n, p in named if p.dim() >= 2]
    no_decay = [p for n, p in named if p.dim() < 2]  # DoRA magnitudes, biases: never decayed here
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": config["weight_decay"]},
                                   {"params": no_decay, "weight_decay": 0.0}],
                                  lr=config["learning_rate"], betas=(0.9, 0.999), eps=config["adam_epsilon"])
    scheduler = schedule(optimizer, config["lr_scheduler"], config["warmup_steps"], STEPS)
    rows = token_rows(base)
    targets = sum(r.size(1) - 1 for r in rows)
    for step in range(1, STEPS + 1):
        optimizer.zero_grad()
        total_loss = 0.0
        for ids in rows:  # token-weighted over the whole accumulated batch
            logits = model(input_ids=ids).logits
            loss = torch.nn.functional.cross_entropy(logits[0, :-1], ids[0, 1:], reduction="sum") / targets
            loss.backward()
            total_loss += loss.item()
        norm = torch.nn.utils.clip_grad_norm_([p for _, p in named], config["max_grad_norm"])
        with open(os.path.join(run, "metrics.jsonl")) as f:
            logged = [json.loads(line) for line in f if line.strip()][step - 1]
        lr = optimizer.param_groups[0]["lr"]
        assert abs(logged["loss"] - total_loss) <= 1e-5 * total_loss, f"{name} step {step}: loss {logged['loss']} vs {total_loss}"
        assert abs(logged["grad_norm"] - norm.item()) <= 1e-5 * norm.item(), f"{name} step {step}: grad norm"
        assert abs(logged["lr"] - lr) <= 1e-12, f"{name} step {step}: lr {logged['lr']} vs transformers' schedule {lr}"
        optimizer.step()
        scheduler.step()

        ours = load_file(os.path.join(run, f"checkpoint-{step}", "adapter_model.safetensors"))
        from peft.utils import get_peft_model_state_dict

        theirs = get_peft_model_state_dict(model)
        assert set(ours) == set(theirs), f"step {step}: keys differ"
        for key, want in theirs.items():
            scale = want.abs().max().item()
            diff = (ours[key] - want).abs().max().item()
            assert diff <= 1e-5 * max(scale, 1e-12), (
                f"{name} step {step}: {key} differs by {diff:.3g} (largest value {scale:.3g})")

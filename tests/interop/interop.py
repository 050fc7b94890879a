"""Shared helpers of the interop tests: run llm-mcp and interop_forward, build inputs, load models
and adapters in transformers / PEFT, compare tensors with messages that say where they differ.

Imported by every *_test.py (run by run_pytest.sh in the pinned environment). Quietens the real
libraries' import-time chatter: bitsandbytes' optional Hub kernel (the `kernels` package is not in
the lock, so bitsandbytes always uses its own CPU library) and torch's note about triton."""
import json
import logging
import os
import subprocess
import warnings

for name in ("bitsandbytes", "torch.utils.flop_counter"):
    logging.getLogger(name).setLevel(logging.ERROR)
warnings.filterwarnings("ignore", category=FutureWarning)

import torch  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402

torch.manual_seed(0)
torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))

CLI = os.environ.get("LLMCP_CLI", "")
FORWARD = os.environ.get("LLMCP_INTEROP_FORWARD", "")
SOURCE_DIR = os.environ.get("LLMCP_SOURCE_DIR", os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..")))


def run(*args, cwd=None):
    """Runs a command; fails the test with its output when it fails."""
    r = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r.stdout


def llm_mcp(*args, cwd=None):
    assert CLI, "LLMCP_CLI is not set (run through ctest)"
    return run(CLI, *args, cwd=cwd)


def make_inputs(vocab, batch=2, length=12, pad_left=(0, 3), seed=1):
    """ids [B,T] and attention_mask [B,T]; row b is left-padded by pad_left[b] tokens (id 0)."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(3, vocab, (batch, length), generator=g)
    mask = torch.ones(batch, length, dtype=torch.long)
    for b, pad in enumerate(pad_left[:batch]):
        ids[b, :pad] = 0
        mask[b, :pad] = 0
    return ids, mask


def ours(model_dir, ids, mask, tmp, adapters=(), merge=False, dtype="float32", quant=None, weights=()):
    """llm-mcp's logits, loss and (dequantized / merged) weights, computed by interop_forward."""
    assert FORWARD, "LLMCP_INTEROP_FORWARD is not set (run through ctest)"
    inputs, out = os.path.join(tmp, "inputs.safetensors"), os.path.join(tmp, "ours.safetensors")
    save_file({"input_ids": ids.contiguous(), "attention_mask": mask.contiguous()}, inputs)
    args = [FORWARD, "--model", model_dir, "--inputs", inputs, "--out", out, "--dtype", dtype]
    for a in adapters:
        args += ["--adapter", a]
    if merge:
        args.append("--merge")
    if quant is not None:
        args += ["--quant", json.dumps(quant)]
    if weights:
        args += ["--weights", ",".join(weights)]
    run(*args)
    return load_file(out)


def hf_model(model_dir, dtype=torch.float32, **kwargs):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype, **kwargs)
    model.eval()
    return model


def peft_model(base_dir, adapter_dir, dtype=torch.float32):
    """PeftModel.from_pretrained, failing on any missing/unexpected-key report: the warning
    from_pretrained gives for missing keys, and an exact comparison of the file's keys with the
    keys PEFT itself would save for this config (get_peft_model_state_dict). Files whose keys PEFT
    converts on load (per-expert Mixtral LoRA -> transformers 5's fused experts) are checked on
    PEFT's own load result instead."""
    from peft import PeftModel
    from peft.utils import get_peft_model_state_dict, load_peft_weights, set_peft_model_state_dict

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = PeftModel.from_pretrained(hf_model(base_dir, dtype), adapter_dir)
    reports = [str(w.message) for w in caught
               if "missing" in str(w.message).lower() or "unexpected" in str(w.message).lower()]
    assert not reports, f"PEFT reported keys while loading {adapter_dir}: {reports}"
    saved = set(load_file(os.path.join(adapter_dir, "adapter_model.safetensors")))
    if any(".block_sparse_moe.experts." in k for k in saved):
        result = set_peft_model_state_dict(model, load_peft_weights(adapter_dir), adapter_name="default")
        missing = [k for k in result.missing_keys if "lora_" in k and "default" in k]
        assert not missing and not result.unexpected_keys, (
            f"{adapter_dir}: PEFT's load misses {missing}, does not use {result.unexpected_keys}")
    else:
        expected = set(get_peft_model_state_dict(model))
        assert saved == expected, (f"{adapter_dir}: keys PEFT expects but the file lacks {sorted(expected - saved)}, "
                                   f"keys the file has that PEFT does not use {sorted(saved - expected)}")
    model.eval()
    return model


def logits_of(model, ids, mask):
    with torch.no_grad():
        return model(input_ids=ids, attention_mask=mask).logits.float()


def max_diff(a, b, mask=None):
    """Largest |a - b| over real-token positions (mask [B,T]; padded rows are undefined in both)."""
    assert a.shape == b.shape, f"shapes differ: {tuple(a.shape)} vs {tuple(b.shape)}"
    d = (a.float() - b.float()).abs()
    if mask is not None:
        d = d[mask.bool()]
    return d.max().item()


def assert_logits_close(got, want, mask, tol=1e-4, what="logits"):
    diff = max_diff(got, want, mask)
    assert want[mask.bool()].std().item() > 1e-3, f"{what}: the reference barely varies; the check would be empty"
    if os.environ.get("LLMCP_INTEROP_REPORT"):  # figures for notes: LLMCP_INTEROP_REPORT=1 ... -s
        print(f"\n{what}: max |ours - theirs| = {diff:.3g} (tolerance {tol:g})")
    assert diff <= tol, f"{what}: max |ours - theirs| = {diff:.3g} > {tol:g}"


def checkpoint_layout(state_dict):
    """A transformers 5 state dict under checkpoint names: Mixtral's fused experts
    (mlp.experts.gate_up_proj [E, 2I, H] = [w1; w3] per expert, down_proj = w2, mlp.gate = router)
    split back into block_sparse_moe.experts.N.w1/w2/w3, as save_pretrained writes them."""
    out = {}
    for key, t in state_dict.items():
        if key.endswith(".mlp.experts.gate_up_proj"):
            prefix = key[: -len(".mlp.experts.gate_up_proj")]
            inter = t.size(1) // 2
            for e in range(t.size(0)):
                out[f"{prefix}.block_sparse_moe.experts.{e}.w1.weight"] = t[e, :inter]
                out[f"{prefix}.block_sparse_moe.experts.{e}.w3.weight"] = t[e, inter:]
        elif key.endswith(".mlp.experts.down_proj"):
            prefix = key[: -len(".mlp.experts.down_proj")]
            for e in range(t.size(0)):
                out[f"{prefix}.block_sparse_moe.experts.{e}.w2.weight"] = t[e]
        elif ".mlp.gate." in key and "experts" not in key and "gate_proj" not in key:
            out[key.replace(".mlp.gate.", ".block_sparse_moe.gate.")] = t
        else:
            out[key] = t
    return out


def assert_merged_like_peft(what, base_dir, peft, merged_dir):
    """Every tensor PEFT's merge_and_unload() changes is in llm-mcp's merged folder, within 1e-5."""
    before = checkpoint_layout(hf_model(base_dir).state_dict())
    reference = checkpoint_layout(peft.merge_and_unload().state_dict())
    changed = [k for k in reference if k not in before or not torch.equal(reference[k], before[k])]
    assert changed, "PEFT's merge changed nothing"
    written = {}
    for f in os.listdir(merged_dir):
        if f.endswith(".safetensors"):
            written.update(load_file(os.path.join(merged_dir, f)))
    for key in changed:
        assert key in written, f"{what}: PEFT's merge changes {key}; llm-mcp's merged folder lacks it"
        d = (written[key].float() - reference[key].float()).abs().max().item()
        assert d <= 1e-5, f"{what}: merged {key} differs from PEFT's merge_and_unload by {d:.3g}"


def train_config(tmp, base, out, **keys):
    """Writes a small llm-mcp training config (text data, a few steps) and returns its path."""
    cfg = {
        "model": base,
        "dataset": os.path.join(SOURCE_DIR, "examples", "data", "text.jsonl"),
        "output_dir": out,
        "max_steps": 3,
        "batch_size": 2,
        "learning_rate": 5e-2,
        "seq_len": 48,
        "seed": 3,
    }
    cfg.update(keys)
    path = os.path.join(tmp, os.path.basename(out) + ".json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path

"""Mixtral under transformers 5, which keeps the experts fused (mlp.experts.gate_up_proj [E, 2I, H],
mlp.experts.down_proj [E, H, I], router mlp.gate) in memory while the Hub's checkpoints, and its own
save_pretrained, store block_sparse_moe.experts.N.w1/w2/w3. Checked here: the per-expert layout
transformers writes loads with its logits; LoRA on the experts as PEFT 0.21 writes it
(target_parameters on the fused tensors) is refused with an error that says what to do, and the
remedy it names (merge in PEFT, save, load the merged model) works."""
import json
import os
import subprocess

import pytest
import torch

from hf_bases import make_base
from interop import FORWARD, assert_logits_close, hf_model, logits_of, make_inputs, ours
from safetensors.torch import load_file


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return make_base("mixtral", str(tmp_path_factory.mktemp("bases")))


def test_saved_layout_is_per_expert_and_loads(tmp_path, base):
    keys = set(load_file(os.path.join(base, "model.safetensors")))
    assert "model.layers.0.block_sparse_moe.experts.3.w2.weight" in keys
    assert not any("gate_up_proj" in k for k in keys)
    ids, mask = make_inputs(256, length=16)
    assert_logits_close(ours(base, ids, mask, str(tmp_path))["logits"], logits_of(hf_model(base), ids, mask), mask,
                        what="Mixtral saved by transformers 5")


def test_peft_expert_lora_is_refused_and_the_merge_remedy_works(tmp_path, base):
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(3)
    peft = get_peft_model(hf_model(base), LoraConfig(r=4, lora_alpha=8, target_modules=["w1", "w2", "w3"],
                                                     init_lora_weights=False))
    adapter = str(tmp_path / "experts")
    peft.save_pretrained(adapter)
    with open(os.path.join(adapter, "adapter_config.json")) as f:
        written = json.load(f)
    assert written.get("target_parameters"), "PEFT no longer writes target_parameters: revisit this test"

    ids, mask = make_inputs(256, length=16)
    inputs = str(tmp_path / "in.safetensors")
    from safetensors.torch import save_file

    save_file({"input_ids": ids, "attention_mask": mask}, inputs)
    r = subprocess.run([FORWARD, "--model", base, "--adapter", adapter, "--inputs", inputs, "--out",
                        str(tmp_path / "out.safetensors")], capture_output=True, text=True)
    assert r.returncode != 0, "an adapter we cannot apply was accepted"
    assert "target_parameters" in r.stderr and "merge_and_unload" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and "c10::" not in r.stderr

    peft.eval()
    want = logits_of(peft, ids, mask)
    merged = str(tmp_path / "merged")
    peft.merge_and_unload().save_pretrained(merged)
    assert_logits_close(ours(merged, ids, mask, str(tmp_path))["logits"], want, mask,
                        what="PEFT-merged Mixtral experts loaded here vs PEFT")

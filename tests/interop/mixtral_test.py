"""Mixtral under transformers 5, which keeps the experts fused (mlp.experts.gate_up_proj [E, 2I, H],
mlp.experts.down_proj [E, H, I], router mlp.gate) in memory while the Hub's checkpoints, and its own
save_pretrained, store block_sparse_moe.experts.N.w1/w2/w3. Checked here: the per-expert layout
transformers writes loads with its logits (the fused layout, which some checkpoints store, is held
to transformers by tests/fixtures/hf-models/mixtral_fused_experts_layout); LoRA on the experts as PEFT 0.21 writes it
(target_parameters on the fused tensors: lora_A [E*r, in], lora_B [out, E*r]) loads here as the
per-expert LoRA it equals, with PEFT's logits and merged weights; fused parameters of anything
else are refused with what to do instead."""
import json
import os
import subprocess

import pytest
import torch

from hf_bases import make_base
from interop import (FORWARD, assert_logits_close, assert_merged_like_peft, hf_model, llm_mcp, logits_of,
                     make_inputs, max_diff, ours)
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


EXPERT_CASES = [
    # name, LoraConfig keys
    ("w1_w2_w3", {"target_modules": ["w1", "w2", "w3"]}),  # PEFT turns these into target_parameters
    ("target_parameters_and_attention", {"target_modules": ["q_proj", "v_proj"],
                                         "target_parameters": ["mlp.experts.gate_up_proj", "mlp.experts.down_proj"]}),
    ("down_only_rslora_patterns", {"target_modules": [], "target_parameters": ["mlp.experts.down_proj"],
                                   "use_rslora": True, "rank_pattern": {"layers.1.mlp.experts.down_proj": 2},
                                   "alpha_pattern": {"down_proj": 5.0}}),
]


@pytest.mark.parametrize("name,keys", EXPERT_CASES, ids=[c[0] for c in EXPERT_CASES])
def test_peft_expert_lora_loads_here(tmp_path, base, name, keys):
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(3)
    peft = get_peft_model(hf_model(base), LoraConfig(r=4, lora_alpha=8, init_lora_weights=False, **keys))
    adapter = str(tmp_path / "experts")
    peft.save_pretrained(adapter)
    with open(os.path.join(adapter, "adapter_config.json")) as f:
        assert json.load(f).get("target_parameters"), "PEFT no longer writes target_parameters: revisit this test"
    peft.eval()
    ids, mask = make_inputs(256, length=16)
    want = logits_of(peft, ids, mask)
    assert max_diff(want, logits_of(hf_model(base), ids, mask), mask) > 1e-3, "the adapter changes nothing"
    assert_logits_close(ours(base, ids, mask, str(tmp_path), adapters=[adapter])["logits"], want, mask,
                        what=f"{name}: PEFT's LoRA on fused experts, llm-mcp vs PEFT")
    merged = str(tmp_path / "merged")
    llm_mcp("merge", "--model", base, "--adapter", adapter, "--out", merged)
    assert_merged_like_peft(name, base, peft, merged)


def test_fused_parameters_of_other_modules_are_refused(tmp_path, base):
    adapter = tmp_path / "odd"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text(json.dumps(
        {"peft_type": "LORA", "r": 4, "lora_alpha": 8, "target_modules": [], "target_parameters": ["self_attn.qkv"]}))
    from safetensors.torch import save_file

    save_file({"base_model.model.model.layers.0.self_attn.lora_A.weight": torch.zeros(4, 64)},
              str(adapter / "adapter_model.safetensors"))
    ids, mask = make_inputs(256, length=4)
    inputs = str(tmp_path / "in.safetensors")
    save_file({"input_ids": ids, "attention_mask": mask}, inputs)
    r = subprocess.run([FORWARD, "--model", base, "--adapter", str(adapter), "--inputs", inputs, "--out",
                        str(tmp_path / "out.safetensors")], capture_output=True, text=True)
    assert r.returncode != 0 and "target_parameters" in r.stderr and "merge_and_unload" in r.stderr, r.stderr

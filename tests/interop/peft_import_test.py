"""PEFT -> llm-mcp: adapters made by PEFT (get_peft_model, random B so they change the output) and
saved with save_pretrained, on base models saved by transformers. llm-mcp loads each and gives
logits within 1e-4 of PEFT's; `llm-mcp merge` gives weights within 1e-5 of PEFT's
merge_and_unload()."""
import os

import pytest
import torch

from hf_bases import make_base
from interop import (assert_logits_close, assert_merged_like_peft, hf_model, llm_mcp, logits_of, make_inputs,
                     max_diff, ours)

CASES = [
    # name, base, LoraConfig keys
    ("lora_default_targets", "llama", {}),
    ("all_linear", "llama", {"target_modules": "all-linear"}),
    ("rslora", "llama", {"target_modules": ["q_proj", "k_proj", "down_proj"], "use_rslora": True, "lora_alpha": 4}),
    ("bias_all", "llama_bias", {"target_modules": ["q_proj", "o_proj"], "bias": "all"}),
    ("bias_lora_only", "llama_bias", {"target_modules": ["k_proj", "up_proj"], "bias": "lora_only"}),
    ("modules_to_save", "llama", {"modules_to_save": ["lm_head"]}),
    ("layers_to_transform", "llama", {"target_modules": ["q_proj", "gate_proj"], "layers_to_transform": [0, 2],
                                      "layers_pattern": "layers"}),
    ("rank_alpha_pattern", "llama", {"target_modules": "all-linear", "r": 4,
                                     "rank_pattern": {"v_proj": 2, "layers.1.mlp.down_proj": 6},
                                     "alpha_pattern": {"o_proj": 3.0}}),
    # Overlapping patterns: PEFT takes the first key that matches, in the file's order (which PEFT
    # writes sorted, so patterns given to it in another order do not survive its own save).
    ("overlapping_patterns", "llama", {"target_modules": ["down_proj", "q_proj"],
                                       "rank_pattern": {"down_proj": 2, "layers.1.mlp.down_proj": 6},
                                       "alpha_pattern": {"layers.2.self_attn.q_proj": 5.0, "q_proj": 3.0}}),
    ("dora", "llama", {"use_dora": True, "target_modules": ["q_proj", "v_proj", "down_proj"]}),
    ("dora_bias", "llama_bias", {"use_dora": True, "target_modules": ["q_proj", "up_proj"]}),
    ("mistral_window", "mistral", {"target_modules": "all-linear"}),
    ("mixtral_attention", "mixtral", {"target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"]}),
    ("falcon_fused_qkv", "falcon", {}),
    ("falcon_fused_qkv_dora", "falcon", {"use_dora": True, "target_modules": "all-linear"}),
    ("falcon_40b_fused_qkv", "falcon_40b", {"target_modules": ["query_key_value", "dense_4h_to_h"]}),
]


@pytest.fixture(scope="module")
def bases(tmp_path_factory):
    return str(tmp_path_factory.mktemp("bases"))


def make_adapter(base_dir, out, keys, seed=1):
    """A PEFT adapter that changes the output: random A and B (init_lora_weights=False), DoRA
    magnitudes, trained biases and saved modules perturbed. Returns the PeftModel."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    config = dict(task_type="CAUSAL_LM", r=4, lora_alpha=8, init_lora_weights=False)
    config.update(keys)
    model = get_peft_model(hf_model(base_dir), LoraConfig(**config))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.requires_grad and ("lora_magnitude" in name or "modules_to_save" in name or name.endswith(".bias")):
                p.add_(0.05 * torch.randn_like(p))
    model.save_pretrained(out)
    model.eval()
    return model


@pytest.mark.parametrize("name,base,keys", CASES, ids=[c[0] for c in CASES])
def test_peft_adapter_loads_here(tmp_path, bases, name, base, keys):
    base_dir = make_base(base, bases)
    adapter = str(tmp_path / "adapter")
    theirs = make_adapter(base_dir, adapter, keys)
    ids, mask = make_inputs(256, length=16)
    want = logits_of(theirs, ids, mask)
    assert max_diff(want, logits_of(hf_model(base_dir), ids, mask), mask) > 1e-3, "the adapter changes nothing"

    got = ours(base_dir, ids, mask, str(tmp_path), adapters=[adapter])
    assert_logits_close(got["logits"], want, mask, what=f"{name}: llm-mcp vs PEFT")

    merged = str(tmp_path / "merged")
    llm_mcp("merge", "--model", base_dir, "--adapter", adapter, "--out", merged)
    assert_merged_like_peft(name, base_dir, theirs, merged)

"""llm-mcp -> PEFT: adapters trained by `llm-mcp train` load with PeftModel.from_pretrained with no
missing or unexpected keys and give PEFT logits within 1e-4 of ours; `llm-mcp merge` output loads
with AutoModelForCausalLM.from_pretrained and gives the same logits; its weights equal PEFT's own
merge_and_unload() of the same adapter within 1e-5. Sparse adapters (no PEFT type) are merge-to-load:
the merged folder is checked against our unmerged forward."""
import json
import os

import pytest
import torch

from interop import (assert_logits_close, assert_merged_like_peft, hf_model, llm_mcp, logits_of, make_inputs, max_diff, ours,
                     peft_model, train_config)

BASES = {
    "llama": ["--arch", "llama", "--config", '{"num_hidden_layers": 4}'],
    "llama_bias": ["--arch", "llama", "--config", '{"attention_bias": true, "mlp_bias": true}'],
    "mistral": ["--arch", "mistral", "--config", '{"sliding_window": 8}'],
    "mixtral": ["--arch", "mixtral", "--config", '{"num_hidden_layers": 2}'],
    "falcon": ["--arch", "falcon", "--config", '{"num_hidden_layers": 2}'],
    "falcon_40b": ["--arch", "falcon", "--config",
                   '{"num_hidden_layers": 2, "new_decoder_architecture": true, "num_kv_heads": 2}'],
}

CASES = [
    # name, base, config keys
    ("lora_default_targets", "llama", {}),
    ("lora_all_linear", "llama", {"target_modules": "all-linear"}),
    ("rslora", "llama", {"target_modules": ["q_proj", "k_proj", "down_proj"], "use_rslora": True, "lora_alpha": 4}),
    ("bias_all", "llama_bias", {"target_modules": ["q_proj", "o_proj"], "bias": "all"}),
    ("bias_lora_only", "llama_bias", {"target_modules": ["q_proj", "up_proj"], "bias": "lora_only"}),
    ("modules_to_save", "llama", {"modules_to_save": ["lm_head"]}),
    ("layers_to_transform", "llama", {"target_modules": ["q_proj", "gate_proj"], "layers_to_transform": [1, 3]}),
    ("rank_alpha_pattern", "llama", {"target_modules": "all-linear", "lora_rank": 4,
                                     "rank_pattern": {"v_proj": 2, "layers.1.mlp.down_proj": 6},
                                     "alpha_pattern": {"o_proj": 3.0}}),
    ("dora", "llama", {"use_dora": True, "target_modules": ["q_proj", "v_proj", "down_proj"]}),
    ("mistral_window", "mistral", {"target_modules": "all-linear"}),
    ("mixtral_attention", "mixtral", {"target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"]}),
    ("mixtral_experts", "mixtral", {"target_modules": ["q_proj", "w1", "w2", "w3"]}),
    ("mixtral_all_linear", "mixtral", {"target_modules": "all-linear"}),
    ("falcon_fused_qkv", "falcon", {}),
    ("falcon_fused_qkv_dora", "falcon", {"use_dora": True, "target_modules": "all-linear"}),
    ("falcon_40b_fused_qkv", "falcon_40b", {"target_modules": "all-linear"}),
]


@pytest.fixture(scope="module")
def bases(tmp_path_factory):
    root = tmp_path_factory.mktemp("bases")
    out = {}
    for name, args in BASES.items():
        out[name] = str(root / name)
        llm_mcp("create-model", *args, "--seed", "5", "--out", out[name])
    return out


def vocab_of(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        return json.load(f)["vocab_size"]


@pytest.mark.parametrize("name,base,keys", CASES, ids=[c[0] for c in CASES])
def test_trained_adapter_loads_in_peft(tmp_path, bases, name, base, keys):
    base_dir = bases[base]
    adapter = str(tmp_path / "adapter")
    llm_mcp("train", train_config(str(tmp_path), base_dir, adapter, **keys))
    ids, mask = make_inputs(vocab_of(base_dir), length=16)

    theirs = peft_model(base_dir, adapter)
    want = logits_of(theirs, ids, mask)
    base_logits = logits_of(hf_model(base_dir), ids, mask)
    # The adapter must change the output, or the comparison says nothing about it.
    assert max_diff(want, base_logits, mask) > 1e-3, "the trained adapter does not change PEFT's logits"

    got = ours(base_dir, ids, mask, str(tmp_path), adapters=[adapter])
    assert_logits_close(got["logits"], want, mask, what=f"{name}: PEFT vs llm-mcp")

    merged = str(tmp_path / "merged")
    llm_mcp("merge", "--model", base_dir, "--adapter", adapter, "--out", merged)
    assert_logits_close(logits_of(hf_model(merged), ids, mask), want, mask,
                        what=f"{name}: transformers on `llm-mcp merge` output vs PEFT")
    assert_merged_like_peft(name, base_dir, theirs, merged)

def test_sparse_adapter_is_merge_to_load(tmp_path, bases):
    base_dir = bases["llama"]
    adapter = str(tmp_path / "sparse")
    llm_mcp("train", train_config(str(tmp_path), base_dir, adapter, method="sparse", sparsity_ratio=0.9,
                                  target_modules="all-linear", learning_rate=1e-2))
    with open(os.path.join(adapter, "adapter_config.json")) as f:
        assert json.load(f)["peft_type"] != "LORA"
    ids, mask = make_inputs(vocab_of(base_dir), length=16)
    unmerged = ours(base_dir, ids, mask, str(tmp_path), adapters=[adapter])["logits"]
    assert max_diff(unmerged, logits_of(hf_model(base_dir), ids, mask), mask) > 1e-3
    merged = str(tmp_path / "merged")
    llm_mcp("merge", "--model", base_dir, "--adapter", adapter, "--out", merged)
    assert_logits_close(logits_of(hf_model(merged), ids, mask), unmerged, mask,
                        what="transformers on the merged sparse adapter vs llm-mcp unmerged")

"""Tiny random base models made by transformers itself (config class, from_config, save_pretrained),
one per family the interop tests load: what a user's folder saved by transformers 5 looks like
(`dtype`, `rope_parameters`, Mixtral's experts written back per expert)."""
import os

import torch

SMALL = dict(vocab_size=256, hidden_size=64, num_attention_heads=4, max_position_embeddings=128,
             initializer_range=0.1)


def configs():
    from transformers import FalconConfig, LlamaConfig, MistralConfig, MixtralConfig

    # Every in_features a multiple of 64 (bitsandbytes' 4-bit block): bitsandbytes 0.50.2's CPU
    # dequantize is wrong when a row's length is not (blocks that straddle rows), real models' never are.
    llama = dict(SMALL, intermediate_size=128, num_hidden_layers=3, num_key_value_heads=2)
    return {
        "llama": LlamaConfig(**llama),
        "llama_bias": LlamaConfig(**dict(llama, attention_bias=True, mlp_bias=True)),
        "mistral": MistralConfig(**dict(llama, sliding_window=6)),
        "mixtral": MixtralConfig(**dict(llama, num_hidden_layers=2, num_local_experts=4, num_experts_per_tok=2)),
        "falcon": FalconConfig(**dict(SMALL, num_hidden_layers=2, multi_query=True, parallel_attn=True,
                                      new_decoder_architecture=False, bias=False)),
        "falcon_40b": FalconConfig(**dict(SMALL, num_hidden_layers=2, new_decoder_architecture=True,
                                          num_kv_heads=2, parallel_attn=True, bias=False)),
    }


def make_base(name, root, seed=0):
    """Saves the family's tiny model under root/name (once) and returns the folder."""
    from transformers import AutoModelForCausalLM

    path = os.path.join(root, name)
    if not os.path.exists(path):
        torch.manual_seed(seed)
        model = AutoModelForCausalLM.from_config(configs()[name])
        model.save_pretrained(path)
    return path

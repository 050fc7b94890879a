// PEFT's LoRA on fused 3-D expert tensors, read as the per-expert LoRA it equals. On transformers 5,
// Mixtral keeps its experts fused (mlp.experts.gate_up_proj [E, 2I, H], down_proj [E, H, I]) and
// PEFT >= 0.17 adapts them with `target_parameters` (its ParamWrapper; asking for w1/w2/w3 gives
// this too): per tensor, lora_A [E*r, in] (expert e: rows e*r .. e*r+r-1) and lora_B [out, E*r]
// (expert e: columns e, e+E, e+2E, ...), delta[e] = scaling * B_e A_e. Here the experts are
// ordinary linears (block_sparse_moe.experts.N.w1/w2/w3), so the file becomes per-expert LoRA
// tensors with the ranks and alphas PEFT used: gate_up_proj's rows split into w1 (first I) and
// w3 (last I) sharing A_e.
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace llmcp::peft {

// True when adapter_config.json adapts fused parameters (a non-empty target_parameters).
bool has_target_parameters(const nlohmann::ordered_json& config);

// Rewrites `config` (target_parameters -> target_modules w1/w2/w3 with per-layer rank and alpha
// patterns) and `tensors` (fused-expert LoRA keys -> per-expert keys) in place. `linear_modules`:
// the base's linear module names, to check the experts exist; `num_experts`, `intermediate`,
// `hidden`: the base's MoE shape. Which tensor adapts which parameter is read from the shapes
// (gate_up_proj: in = hidden, out = 2 x intermediate; down_proj: in = intermediate, out = hidden),
// not from the nesting: PEFT keeps target_parameters as a set, so neither the file's list order
// nor the wrappers' order is stable between runs. Unsupported parameters, DoRA, or shapes that do not fit are errors that
// say what to do instead.
void unfuse_expert_lora(nlohmann::ordered_json& config, std::map<std::string, at::Tensor>& tensors,
                        const std::vector<std::string>& linear_modules, int64_t num_experts, int64_t intermediate,
                        int64_t hidden, const std::string& source);

}  // namespace llmcp::peft

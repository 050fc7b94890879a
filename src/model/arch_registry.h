// Architectures are registered by their HF "architectures" string, each from its own small file
// in model/arch/: how to read its config.json and how its tensors are named. No central switch.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/hf_config.h"
#include "model/decoder_config.h"

namespace llmcp::model {

// Module names (without ".weight"/".bias") of one architecture's checkpoint layout.
// Layer modules are relative to layer_prefix + "<i>.".
struct WeightNames {
  std::string embed = "model.embed_tokens";
  std::string final_norm = "model.norm";
  std::string lm_head = "lm_head";
  std::string layer_prefix = "model.layers.";
  std::string attn_norm = "input_layernorm";
  std::string mlp_norm = "post_attention_layernorm";
  std::string q = "self_attn.q_proj", k = "self_attn.k_proj", v = "self_attn.v_proj", o = "self_attn.o_proj";
  std::string gate = "mlp.gate_proj", up = "mlp.up_proj", down = "mlp.down_proj";
};

struct ArchSpec {
  std::string hf_name;  // "LlamaForCausalLM"
  std::string family;   // "llama", used by create-model --arch
  std::function<DecoderConfig(const io::HfConfig&)> parse_config;
  std::function<nlohmann::ordered_json(const DecoderConfig&)> write_config;  // inverse, for synthetic models
  WeightNames names;
};

// Called from a static initialiser in each model/arch/*.cpp.
bool register_arch(ArchSpec spec);
// Error (kUnsupported) listing the supported architectures when `hf_name` is unknown.
const ArchSpec& find_arch(const std::string& hf_name);
const ArchSpec& find_arch_by_family(const std::string& family);
std::vector<std::string> supported_archs();

// Reads <dir>/config.json and maps it through the registered architecture.
DecoderConfig load_decoder_config(const std::filesystem::path& model_dir);

}  // namespace llmcp::model

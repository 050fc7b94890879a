// Architectures by their HF "architectures" string, each family from its own small file in
// model/arch/ (listed once in model/arch/builtin_archs.h): how to read and write its config.json,
// how its tensors are named (which fixes PEFT's default targets and what may be quantized: a
// layer's linear weights, model/parameters.h), its synthetic presets and its built-in chat
// template. Torch-free (llmcp_arch), so the planner and the MCP layer use it without libtorch.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/hf_config.h"
#include "model/decoder_config.h"

namespace llmcp::model {

// Module names (without ".weight"/".bias") of one architecture's checkpoint layout; the defaults
// are Llama's. Layer modules are relative to layer_prefix + "<i>.". Which of them exist follows
// the DecoderConfig (fused qkv or q/k/v, experts or a dense MLP, a second norm or not).
struct WeightNames {
  std::string embed = "model.embed_tokens";
  std::string final_norm = "model.norm";
  std::string lm_head = "lm_head";
  std::string layer_prefix = "model.layers.";
  std::string attn_norm = "input_layernorm";
  std::string mlp_norm = "post_attention_layernorm";
  std::string q = "self_attn.q_proj", k = "self_attn.k_proj", v = "self_attn.v_proj", o = "self_attn.o_proj";
  std::string qkv = "self_attn.qkv_proj";  // QkvKind::kFused
  std::string gate = "mlp.gate_proj", up = "mlp.up_proj", down = "mlp.down_proj";
  // Mixture of experts: <router>, <experts><e>.<expert_gate|expert_up|expert_down>.
  std::string router = "block_sparse_moe.gate";
  std::string experts = "block_sparse_moe.experts.";
  std::string expert_gate = "w1", expert_up = "w3", expert_down = "w2";
  // The experts as transformers 5 holds them, which some checkpoints store instead: per layer
  // <fused_experts>gate_up_proj [E, 2I, H] ([gate; up] per expert), <fused_experts>down_proj
  // [E, H, I], the router at <fused_router>.weight (model/fused_experts.cpp reads them).
  std::string fused_experts = "mlp.experts.", fused_router = "mlp.gate";
  // PEFT's default LoRA targets for the architecture (when target_modules is not given).
  std::vector<std::string> default_targets = {"q_proj", "v_proj"};

  std::string expert(int64_t e, const std::string& which) const { return experts + std::to_string(e) + "." + which; }
};

// Whether the model's tokenizer has a token (the chat template choice tells Llama 2 from 3 so).
using HasToken = std::function<bool(std::string_view)>;

struct ArchSpec {
  std::string hf_name;  // "LlamaForCausalLM"
  std::string family;   // "llama", used by create-model --arch
  std::function<DecoderConfig(const io::HfConfig&)> parse_config;
  std::function<nlohmann::ordered_json(const DecoderConfig&)> write_config;  // inverse, for synthetic models
  std::function<WeightNames(const DecoderConfig&)> names = [](const DecoderConfig&) { return WeightNames{}; };
  // The built-in template (tokenizer/chat/templates/<name>.jinja) for a model of this family whose
  // folder has none; "" = none.
  std::function<std::string(const HasToken&)> chat_template = [](const HasToken&) { return std::string(); };
  // Synthetic models: turns a generic preset shape (Llama's layout; preset "tiny" ... "8b") into
  // this family's model of that size.
  std::function<void(DecoderConfig&, const std::string& preset)> adapt_preset = [](DecoderConfig&, const std::string&) {};
};

// Adds an architecture beyond the built-in ones (a test's); false when its HF name is taken.
bool register_arch(ArchSpec spec);
// Error (kUnsupported) listing the supported architectures when `hf_name` is unknown.
const ArchSpec& find_arch(const std::string& hf_name);
const ArchSpec& find_arch_by_family(const std::string& family);
std::vector<std::string> supported_archs();
// The family's built-in chat template name for `architecture` ("" when unknown or none).
std::string family_chat_template(const std::string& architecture, const HasToken& has);

// Every registered architecture, by HF name (one entry per HF name; families may repeat).
std::vector<const ArchSpec*> registered_archs();

// Reads <dir>/config.json and maps it through the registered architecture.
DecoderConfig load_decoder_config(const std::filesystem::path& model_dir);

}  // namespace llmcp::model

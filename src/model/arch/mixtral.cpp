// MixtralForCausalLM: Mistral's attention and norms with a sparse mixture of experts in place of
// the MLP (block_sparse_moe.gate routes each token to num_experts_per_tok of num_local_experts
// SwiGLU experts w1/w3/w2). Defaults are MixtralConfig's.
#include "core/error.h"
#include "model/arch/llama_family.h"
#include "model/arch_registry.h"

namespace llmcp::model::arch::mixtral {
namespace {

DecoderConfig parse(const io::HfConfig& hf) {
  DecoderConfig c = parse_llama_like(hf, 4096 * 32);
  if (hf.has("sliding_window")) c.sliding_window = hf.get_int("sliding_window");  // MixtralConfig: none
  MoeConfig moe;
  moe.num_experts = hf.get_int("num_local_experts", 8);
  moe.top_k = hf.get_int("num_experts_per_tok", 2);
  moe.aux_loss_coef = hf.get_double("router_aux_loss_coef", 0.001);
  moe.output_router_logits = hf.get_bool("output_router_logits", false);
  moe.jitter_noise = hf.get_double("router_jitter_noise", 0.0);
  c.moe = moe;
  return c;
}

nlohmann::ordered_json write(const DecoderConfig& c) {
  LLMCP_CHECK(c.moe.has_value(), kInternal, "a Mixtral config without experts");
  auto j = write_llama_like(c, "mixtral");
  j["num_experts_per_tok"] = c.moe->top_k;
  j["num_local_experts"] = c.moe->num_experts;
  j["output_router_logits"] = c.moe->output_router_logits;
  j["router_aux_loss_coef"] = c.moe->aux_loss_coef;
  j["router_jitter_noise"] = c.moe->jitter_noise;
  return j;
}

}  // namespace

std::vector<ArchSpec> specs() {
  return {ArchSpec{
    .hf_name = "MixtralForCausalLM",
    .family = "mixtral",
    .parse_config = parse,
    .write_config = write,
    .chat_template = mistral_chat_template,
    .adapt_preset =
        [](DecoderConfig& c, const std::string&) {
          const bool seven_b = c.hidden_size == 4096;  // Mixtral-8x7B's shape
          MoeConfig moe;
          moe.num_experts = seven_b ? 8 : 4;
          moe.top_k = 2;
          moe.aux_loss_coef = 0.02;  // as Mixtral-8x7B's config.json
          c.moe = moe;
          if (seven_b) c.intermediate_size = 14336;
          if (seven_b) c.num_kv_heads = 8;
          c.rope.theta = 1e6;
          c.max_position = 32768;
        },
  }};
}

}  // namespace llmcp::model::arch::mixtral

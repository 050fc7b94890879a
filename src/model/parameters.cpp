// Enumerates every tensor of the generic decoder under an architecture's names.
#include "model/parameters.h"

namespace llmcp::model {

std::string layer_module(const WeightNames& n, int64_t layer, const std::string& module) {
  return n.layer_prefix + std::to_string(layer) + "." + module;
}

std::vector<ParamSpec> parameter_specs(const DecoderConfig& c, const WeightNames& n) {
  const int64_t C = c.hidden_size, D = c.head_dim, H = c.num_heads, K = c.num_kv_heads,
                I = c.intermediate_size, V = c.vocab_size;
  std::vector<ParamSpec> out;
  auto linear = [&](const std::string& mod, int64_t out_f, int64_t in_f, bool bias) {
    out.push_back({mod + ".weight", {out_f, in_f}, Init::kNormal, true});
    if (bias) out.push_back({mod + ".bias", {out_f}, Init::kSmall, false});
  };
  auto norm = [&](const std::string& mod) {
    out.push_back({mod + ".weight", {C}, Init::kNearOne, false});
    if (c.norm == NormKind::kLayerNorm) out.push_back({mod + ".bias", {C}, Init::kSmall, false});
  };
  auto mlp = [&](const std::string& gate, const std::string& up, const std::string& down) {
    if (c.mlp == MlpKind::kGatedSilu) linear(gate, I, C, c.mlp_bias);
    linear(up, I, C, c.mlp_bias);
    linear(down, C, I, c.mlp_bias);
  };
  out.push_back({n.embed + ".weight", {V, C}, Init::kNormal, false});
  for (int64_t i = 0; i < c.num_layers; ++i) {
    auto m = [&](const std::string& s) { return layer_module(n, i, s); };
    norm(m(n.attn_norm));
    if (c.qkv == QkvKind::kFused) {
      linear(m(n.qkv), (H + 2 * K) * D, C, c.attention_bias);
    } else {
      linear(m(n.q), H * D, C, c.attention_bias);
      linear(m(n.k), K * D, C, c.attention_bias);
      linear(m(n.v), K * D, C, c.attention_bias);
    }
    linear(m(n.o), C, H * D, c.attention_bias);
    if (!c.shared_block_norm) norm(m(n.mlp_norm));
    if (c.moe) {
      linear(m(n.router), c.moe->num_experts, C, false);
      for (int64_t e = 0; e < c.moe->num_experts; ++e)
        mlp(m(n.expert(e, n.expert_gate)), m(n.expert(e, n.expert_up)), m(n.expert(e, n.expert_down)));
    } else {
      mlp(m(n.gate), m(n.up), m(n.down));
    }
  }
  norm(n.final_norm);
  if (!c.tie_word_embeddings) out.push_back({n.lm_head + ".weight", {V, C}, Init::kNormal, false});
  return out;
}

}  // namespace llmcp::model

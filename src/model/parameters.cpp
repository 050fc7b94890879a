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
    out.push_back({mod + ".weight", {out_f, in_f}, Init::kNormal});
    if (bias) out.push_back({mod + ".bias", {out_f}, Init::kSmall});
  };
  auto norm = [&](const std::string& mod) {
    out.push_back({mod + ".weight", {C}, Init::kNearOne});
    if (c.norm == NormKind::kLayerNorm) out.push_back({mod + ".bias", {C}, Init::kSmall});
  };
  out.push_back({n.embed + ".weight", {V, C}, Init::kNormal});
  for (int64_t i = 0; i < c.num_layers; ++i) {
    auto m = [&](const std::string& s) { return layer_module(n, i, s); };
    norm(m(n.attn_norm));
    linear(m(n.q), H * D, C, c.attention_bias);
    linear(m(n.k), K * D, C, c.attention_bias);
    linear(m(n.v), K * D, C, c.attention_bias);
    linear(m(n.o), C, H * D, c.attention_bias);
    norm(m(n.mlp_norm));
    if (c.mlp == MlpKind::kGatedSilu) linear(m(n.gate), I, C, c.mlp_bias);
    linear(m(n.up), I, C, c.mlp_bias);
    linear(m(n.down), C, I, c.mlp_bias);
  }
  norm(n.final_norm);
  if (!c.tie_word_embeddings) linear(n.lm_head, V, C, false);
  return out;
}

}  // namespace llmcp::model

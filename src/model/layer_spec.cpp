// The layer's modules from the config (see layer_spec.h).
#include "model/layer_spec.h"

namespace llmcp::model {

bool reads_normed(LayerInput input) {
  return input == LayerInput::kAttnNormed || input == LayerInput::kMlpNormed || input == LayerInput::kExpertNormed;
}

bool reads_expert_rows(LayerInput input) {
  return input == LayerInput::kExpertNormed || input == LayerInput::kExpertHidden;
}

std::vector<LayerModule> layer_modules(const DecoderConfig& c, const WeightNames& n) {
  const int64_t C = c.hidden_size, D = c.head_dim, H = c.num_heads, K = c.num_kv_heads, I = c.intermediate_size;
  const bool norm_bias = c.norm == NormKind::kLayerNorm;
  std::vector<LayerModule> out;
  auto norm = [&](const std::string& name, LayerSlot slot) { out.push_back({name, slot, -1, C, 0, norm_bias}); };
  auto linear = [&](const std::string& name, LayerSlot slot, int64_t o, int64_t i, bool bias, LayerInput input,
                    int64_t expert = -1) { out.push_back({name, slot, expert, o, i, bias, input}); };
  auto mlp = [&](const std::string& gate, const std::string& up, const std::string& down, int64_t expert) {
    const bool e = expert >= 0;
    const auto normed = e ? LayerInput::kExpertNormed : LayerInput::kMlpNormed;
    if (c.mlp == MlpKind::kGatedSilu) linear(gate, LayerSlot::kGate, I, C, c.mlp_bias, normed, expert);
    linear(up, LayerSlot::kUp, I, C, c.mlp_bias, normed, expert);
    linear(down, LayerSlot::kDown, C, I, c.mlp_bias, e ? LayerInput::kExpertHidden : LayerInput::kMlpHidden, expert);
  };
  norm(n.attn_norm, LayerSlot::kAttnNorm);
  if (c.qkv == QkvKind::kFused) {
    linear(n.qkv, LayerSlot::kQkv, (H + 2 * K) * D, C, c.attention_bias, LayerInput::kAttnNormed);
  } else {
    linear(n.q, LayerSlot::kQ, H * D, C, c.attention_bias, LayerInput::kAttnNormed);
    linear(n.k, LayerSlot::kK, K * D, C, c.attention_bias, LayerInput::kAttnNormed);
    linear(n.v, LayerSlot::kV, K * D, C, c.attention_bias, LayerInput::kAttnNormed);
  }
  linear(n.o, LayerSlot::kO, C, H * D, c.attention_bias, LayerInput::kAttnOutput);
  if (!c.shared_block_norm) norm(n.mlp_norm, LayerSlot::kMlpNorm);
  if (c.moe) {
    linear(n.router, LayerSlot::kRouter, c.moe->num_experts, C, false, LayerInput::kMlpNormed);
    for (int64_t e = 0; e < c.moe->num_experts; ++e)
      mlp(n.expert(e, n.expert_gate), n.expert(e, n.expert_up), n.expert(e, n.expert_down), e);
  } else {
    mlp(n.gate, n.up, n.down, -1);
  }
  return out;
}

}  // namespace llmcp::model

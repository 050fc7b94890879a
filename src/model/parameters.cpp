// Enumerates every tensor of the generic decoder under an architecture's names: the embedding,
// each layer's modules as model/layer_spec describes them, the final norm and the LM head.
#include "model/parameters.h"

#include "model/layer_spec.h"

namespace llmcp::model {

std::string layer_module(const WeightNames& n, int64_t layer, const std::string& module) {
  return n.layer_prefix + std::to_string(layer) + "." + module;
}

std::vector<ParamSpec> parameter_specs(const DecoderConfig& c, const WeightNames& n) {
  const int64_t C = c.hidden_size, V = c.vocab_size;
  std::vector<ParamSpec> out;
  auto norm = [&](const std::string& mod) {
    out.push_back({mod + ".weight", {C}, Init::kNearOne, false});
    if (c.norm == NormKind::kLayerNorm) out.push_back({mod + ".bias", {C}, Init::kSmall, false});
  };
  out.push_back({n.embed + ".weight", {V, C}, Init::kNormal, false});
  const auto modules = layer_modules(c, n);
  for (int64_t i = 0; i < c.num_layers; ++i)
    for (const auto& mod : modules) {
      const auto name = layer_module(n, i, mod.name);
      if (mod.is_norm()) {
        norm(name);
        continue;
      }
      out.push_back({name + ".weight", {mod.out, mod.in}, Init::kNormal, true});
      if (mod.bias) out.push_back({name + ".bias", {mod.out}, Init::kSmall, false});
    }
  norm(n.final_norm);
  if (!c.tie_word_embeddings) out.push_back({n.lm_head + ".weight", {V, C}, Init::kNormal, false});
  return out;
}

}  // namespace llmcp::model

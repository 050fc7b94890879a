// One decoder layer described once: which modules it has (fused or separate q/k/v, one or two
// norms, a dense MLP or experts, follows the DecoderConfig), their names under the architecture,
// their shapes and what each reads. The parameter list, the decoder's construction and its
// linears()/tensors() views, and the planner's walk of what a layer keeps for backward all iterate
// this list, so a new layer variant cannot be counted differently by the planner and the model.
// Torch-free (llmcp_arch).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/arch_registry.h"
#include "model/decoder_config.h"

namespace llmcp::model {

// Where a module sits in the layer (model/decoder.h's DecoderLayer fields).
enum class LayerSlot { kAttnNorm, kMlpNorm, kQ, kK, kV, kQkv, kO, kRouter, kGate, kUp, kDown };

// The tensor a module reads: what backward keeps for a linear's weight gradient, once per input
// however many modules read it.
enum class LayerInput {
  kResidual,      // the norms: the residual stream
  kAttnNormed,    // q, k, v / qkv: the attention norm's output
  kAttnOutput,    // o: the heads' output [.., H * D]
  kMlpNormed,     // gate, up, the router: the MLP norm's output
  kMlpHidden,     // down: the MLP's hidden activation [.., I]
  kExpertNormed,  // an expert's gate and up: the normed rows routed to it
  kExpertHidden,  // an expert's down
};
// Inputs that come out of a norm, in the residual stream's dtype (the rest come out of products).
bool reads_normed(LayerInput input);
bool reads_expert_rows(LayerInput input);

struct LayerModule {
  std::string name;  // under the layer prefix: "self_attn.q_proj"
  LayerSlot slot;
  int64_t expert = -1;      // an expert's MLP: which one
  int64_t out = 0, in = 0;  // a linear's [out, in]; a norm's width in `out`
  bool bias = false;
  LayerInput input = LayerInput::kResidual;
  bool is_norm() const { return slot == LayerSlot::kAttnNorm || slot == LayerSlot::kMlpNorm; }
};

// The modules of every decoder layer, in checkpoint order: attention norm, q/k/v (or qkv), o, MLP
// norm (unless a parallel block shares one), then the router and each expert's gate/up/down, or
// the MLP's gate (gated MLPs), up and down.
std::vector<LayerModule> layer_modules(const DecoderConfig& c, const WeightNames& n);

}  // namespace llmcp::model

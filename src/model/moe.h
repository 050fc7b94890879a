// Mixtral's sparse mixture of experts: the router's softmax picks top_k experts per token, their
// weights are renormalised over the picked ones (= a softmax over the picked logits, as HF), and
// each expert runs only on the tokens routed to it. The load-balancing loss is HF's
// load_balancing_loss_func (Switch Transformer's auxiliary loss).
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "model/decoder_config.h"
#include "model/layers.h"

namespace llmcp::model {

struct MoeOutput {
  at::Tensor out;       // like h
  at::Tensor logits;    // router logits [N, E], N = tokens of h (differentiable)
  at::Tensor selected;  // picked experts [N, top_k] int64, highest weight first
};

// h [..., C]. `training` applies router_jitter_noise (a multiplicative U(1-j, 1+j) on the input).
MoeOutput moe_forward(const MoeConfig& moe, MlpKind kind, const Linear& router, const std::vector<Mlp>& experts,
                      const at::Tensor& h, bool training);

// Router logits of every layer (each [B*T, E], B*T matching `mask`'s [B, T]); `mask` 1 for real
// tokens (undefined: all). num_experts * sum_e (fraction of picks going to e) * (mean router
// probability of e), the fractions counted per pick rank as HF does. A fp32 scalar.
at::Tensor load_balancing_loss(const std::vector<at::Tensor>& router_logits, int64_t num_experts, int64_t top_k,
                               const at::Tensor& mask);

}  // namespace llmcp::model

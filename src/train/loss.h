// The causal-LM objective on a batch: next-token negative log-likelihood summed over the target
// tokens only. Returning the sum and the count lets gradient accumulation divide by the number
// of target tokens of all accumulated micro-batches, so 4 x batch 2 equals 1 x batch 8.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "model/decoder.h"

namespace llmcp::train {

// Right-padded token rows as tensors. targets[b,t] = 1: ids[b,t] is predicted from position t-1.
struct Batch {
  at::Tensor ids;        // [B,T] int64
  at::Tensor attention;  // [B,T] int64, 1 = real token
  at::Tensor targets;    // [B,T] bool
  at::Tensor segments;   // [B,T] int64 for packed rows, else undefined
  int64_t target_count() const;
};

struct Row {
  std::vector<int32_t> ids;
  std::vector<uint8_t> mask;     // targets
  std::vector<int32_t> segment;  // empty unless packed
};
// Pads with `pad_id` on the right (padding is never attended to nor a target).
Batch collate(const std::vector<Row>& rows, int32_t pad_id);

struct LossSum {
  at::Tensor sum;  // scalar fp32, differentiable
  int64_t tokens = 0;
  at::Tensor router;  // the load-balancing loss of a mixture of experts when asked, else undefined
};
// Logits are computed only at the positions that predict a target (prompt positions never reach
// the vocabulary projection), in fp32. `router_loss`: also the routers' load-balancing loss over
// the batch's real tokens (model::load_balancing_loss), as MixtralForCausalLM computes it.
LossSum causal_lm_loss(const model::Decoder& decoder, const Batch& batch, bool router_loss = false);

}  // namespace llmcp::train

// Checkpoints that store a mixture of experts fused, as transformers 5 holds Mixtral in memory
// (model.layers.N.mlp.experts.gate_up_proj [E, 2I, H], down_proj [E, H, I], router mlp.gate),
// read as the per-expert weights the decoder has (block_sparse_moe.experts.e.w1/w3/w2, the router
// block_sparse_moe.gate): each is a run of contiguous rows of a fused tensor, so a view into the
// mapped file, copied once like any other weight.
#pragma once

#include <optional>
#include <string>

#include "io/checkpoint.h"
#include "model/arch_registry.h"
#include "model/decoder_config.h"

namespace llmcp::model {

// The view of per-expert (or router) weight `name` inside the checkpoint's fused tensors; nullopt
// when `name` is not an expert weight or the checkpoint has no fused tensor for it. A fused tensor
// whose shape does not fit config.json is an error naming both.
std::optional<io::TensorView> fused_expert_view(const io::Checkpoint& ckpt, const WeightNames& names,
                                                const DecoderConfig& cfg, const std::string& name);

}  // namespace llmcp::model

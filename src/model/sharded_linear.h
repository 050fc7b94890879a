// The product of a linear layer whose base is sharded across processes (model/base_shard.h):
// the weight is gathered for the forward product and freed; with gradients on, an autograd node
// gathers it again in backward for the input's gradient (grad_y W) instead of keeping it, so a
// layer's whole weight lives only while its product runs. The numbers are those of the unsharded
// layer: the same products on the same whole weight.
#pragma once

#include <ATen/ATen.h>

#include <memory>

#include "model/base_shard.h"

namespace llmcp::model {

// x [..., in] -> x W^T (+ bias when defined) [..., out]; dtypes as Linear::base_forward (with a
// bias) or Linear::weight_product (without) give them for the unsharded weight.
at::Tensor sharded_base_forward(const std::shared_ptr<const BaseShard>& shard, const at::Tensor& x,
                                const at::Tensor& bias);
at::Tensor sharded_weight_product(const std::shared_ptr<const BaseShard>& shard, const at::Tensor& x);

}  // namespace llmcp::model

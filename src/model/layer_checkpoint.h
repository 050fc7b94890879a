// Gradient checkpointing per decoder layer: the forward keeps only the layer's input; backward
// runs the layer again with the same dropout randomness and back-propagates through that copy.
// Trades one extra forward per layer for not storing its activations.
#pragma once

#include <ATen/ATen.h>

namespace llmcp::model {

class Decoder;

// Same value as decoder.layer_forward(layer, x, ...); gradients reach x and every trainable
// tensor the layer uses (adapter weights accumulate into their .grad during backward).
at::Tensor checkpointed_layer(const Decoder& decoder, int64_t layer, const at::Tensor& x, const at::Tensor& cos,
                              const at::Tensor& sin, const at::Tensor& attn_mask);

}  // namespace llmcp::model

// Gradient checkpointing per decoder layer: the forward keeps only the layer's input; backward
// runs the layer again with the same dropout randomness and back-propagates through that copy.
// Trades one extra forward per layer for not storing its activations.
#pragma once

#include <ATen/ATen.h>

namespace llmcp::model {

class Decoder;
struct RouterTrace;

// Same value as decoder.layer_forward(layer, x, ...); gradients reach x and every trainable
// tensor the layer uses (adapter weights accumulate into their .grad during backward). With a
// `trace`, a mixture-of-experts layer's router logits come out as a second differentiable output.
at::Tensor checkpointed_layer(const Decoder& decoder, int64_t layer, const at::Tensor& x, const at::Tensor& cos,
                              const at::Tensor& sin, const at::Tensor& attn_mask, RouterTrace* trace = nullptr);

}  // namespace llmcp::model

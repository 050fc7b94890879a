// y = x W^T + b with W quantized: the input is cast to the weight's compute dtype, W is
// dequantized tile by tile of output rows (never whole), and the product comes back in x's dtype.
// Autograd gives x its gradient (grad_y W, again tile by tile); W has none. Few input rows on
// the CPU (decoding) take a fused kernel that reads the packed bytes directly.
#pragma once

#include <ATen/ATen.h>

#include <memory>

#include "quant/quantized_weight.h"

namespace llmcp::quant {

at::Tensor quantized_linear(const std::shared_ptr<const QuantizedWeight>& w, const at::Tensor& x,
                            const at::Tensor& bias);

// The two products behind quantized_linear's autograd node, for a caller with its own node (a
// base sharded across processes, model/sharded_linear.h): x2 [M, in] in the compute dtype ->
// [M, out] (the training product, never LLM.int8()'s); g2 [M, out] -> g2 W [M, in].
at::Tensor quantized_product(const QuantizedWeight& w, const at::Tensor& x2);
at::Tensor quantized_input_grad(const QuantizedWeight& w, const at::Tensor& g2);

// The plain ATen formulation (dequantize all of W, then at::linear), for parity tests.
at::Tensor quantized_linear_reference(const QuantizedWeight& w, const at::Tensor& x, const at::Tensor& bias);

}  // namespace llmcp::quant

// Exact (erf) GELU whose backward accepts any gradient layout. Debian's libtorch 1.13 computes
// at::gelu's backward wrongly when the incoming gradient is not contiguous (a transposed gradient
// gave values off by 1e24; the tanh approximation, SiLU and the other activations are not
// affected), and adapters may hand back such gradients. The backward makes it contiguous first.
#pragma once

#include <ATen/ATen.h>

namespace llmcp::model {

at::Tensor gelu(const at::Tensor& x);

}  // namespace llmcp::model

// Re-entrant recomputation (what torch.utils.checkpoint(use_reentrant=True) does): the custom
// autograd function's backward re-runs the layer under grad mode and calls backward on it, which
// accumulates parameter gradients directly and returns the input's gradient to the outer graph.
#include "model/layer_checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/Generator.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>

#include "model/decoder.h"

namespace llmcp::model {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct LayerFunction : public torch::autograd::Function<LayerFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const Decoder* decoder, int64_t layer,
                            const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& attn_mask) {
    ctx->save_for_backward({x, cos, sin, attn_mask});
    ctx->saved_data["decoder"] = reinterpret_cast<int64_t>(decoder);
    ctx->saved_data["layer"] = layer;
    // Dropout inside adapters must draw the same numbers when the layer is recomputed.
    ctx->saved_data["rng"] = at::detail::getDefaultCPUGenerator().get_state();
    at::NoGradGuard no_grad;
    return decoder->layer_forward(layer, x, cos, sin, attn_mask);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    auto saved = ctx->get_saved_variables();
    const auto* decoder = reinterpret_cast<const Decoder*>(ctx->saved_data["decoder"].toInt());
    const int64_t layer = ctx->saved_data["layer"].toInt();
    auto gen = at::detail::getDefaultCPUGenerator();
    auto current = gen.get_state();
    gen.set_state(ctx->saved_data["rng"].toTensor());
    auto x = saved[0].detach().requires_grad_(true);
    at::Tensor y;
    {
      at::AutoGradMode grad(true);
      y = decoder->layer_forward(layer, x, saved[1], saved[2], saved[3]);
    }
    gen.set_state(current);
    torch::autograd::backward({y}, {grad_out[0]});
    return {x.grad(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor checkpointed_layer(const Decoder& decoder, int64_t layer, const at::Tensor& x, const at::Tensor& cos,
                              const at::Tensor& sin, const at::Tensor& attn_mask) {
  // Without an input that requires grad the function would be cut from the graph (the
  // embedding is usually frozen): give it one, as HF's enable_input_require_grads does.
  auto in = x.requires_grad() ? x : x.detach().requires_grad_(true);
  return LayerFunction::apply(in, &decoder, layer, cos, sin, attn_mask);
}

}  // namespace llmcp::model

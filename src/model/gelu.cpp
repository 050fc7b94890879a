// The exact GELU as a custom autograd function (see gelu.h for why).
#include "model/gelu.h"

#include <torch/csrc/autograd/custom_function.h>

namespace llmcp::model {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct GeluFunction : public torch::autograd::Function<GeluFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x) {
    ctx->save_for_backward({x});
    return at::gelu(x);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    auto x = ctx->get_saved_variables()[0];
    return {at::gelu_backward(grad_out[0].contiguous(), x)};
  }
};

}  // namespace

at::Tensor gelu(const at::Tensor& x) {
  if (!x.requires_grad() || !at::GradMode::is_enabled()) return at::gelu(x);
  return GeluFunction::apply(x);
}

}  // namespace llmcp::model

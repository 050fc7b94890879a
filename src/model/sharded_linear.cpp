// The sharded base's product and its autograd node; see sharded_linear.h.
#include "model/sharded_linear.h"

#include <ATen/core/grad_mode.h>

#include <torch/csrc/autograd/custom_function.h>

#include "core/error.h"
#include "model/layers.h"
#include "quant/qlinear.h"

namespace llmcp::model {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct Holder : torch::CustomClassHolder {
  explicit Holder(std::shared_ptr<const BaseShard> s) : shard(std::move(s)) {}
  std::shared_ptr<const BaseShard> shard;
};

// x2 [M, in] -> [M, out]: dense through at::linear (autocast applies as it would to the
// unsharded layer), quantized through bitsandbytes' training product. Nothing of W is saved.
class ShardedFn : public torch::autograd::Function<ShardedFn> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x2, const c10::intrusive_ptr<Holder>& holder) {
    const auto whole = holder->shard->gather();
    ctx->saved_data["s"] = at::IValue::make_capsule(holder);
    ctx->saved_data["dtype"] = static_cast<int64_t>(x2.scalar_type());
    if (whole.qweight) return quant::quantized_product(*whole.qweight, x2);
    return at::linear(x2, whole.weight);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto holder = c10::static_intrusive_pointer_cast<Holder>(ctx->saved_data["s"].toCapsule());
    const auto dtype = static_cast<at::ScalarType>(ctx->saved_data["dtype"].toInt());
    const auto whole = holder->shard->gather();
    const auto& g = grads[0];
    at::Tensor gx = whole.qweight ? quant::quantized_input_grad(*whole.qweight, g)
                                  : at::mm(g.contiguous(), whole.weight.to(g.scalar_type()));
    return {gx.to(dtype), at::Tensor()};
  }
};

// Without gradients: the unsharded layer's own code on the gathered weight.
Linear whole_linear(const BaseShard& s, const at::Tensor& bias) {
  auto w = s.gather();
  return Linear{"", w.weight, bias, {}, w.qweight, {}};
}

at::Tensor product(const std::shared_ptr<const BaseShard>& shard, const at::Tensor& x) {
  const auto& info = shard->info();
  LLMCP_CHECK(x.dim() >= 1 && x.size(-1) == info.in, kShapeMismatch, "input has ", x.size(-1),
              " features but the sharded weight expects ", info.in);
  auto shape = x.sizes().vec();
  shape.back() = info.out;
  auto x2 = x.reshape({-1, info.in});
  if (info.quantized) x2 = x2.to(info.dtype);
  auto y2 = ShardedFn::apply(x2, c10::make_intrusive<Holder>(shard));
  return y2.view(shape);
}

bool needs_grad(const at::Tensor& x) { return at::GradMode::is_enabled() && x.requires_grad(); }

}  // namespace

at::Tensor sharded_base_forward(const std::shared_ptr<const BaseShard>& shard, const at::Tensor& x,
                                const at::Tensor& bias) {
  if (!needs_grad(x)) return whole_linear(*shard, bias).base_forward(x);
  auto y = product(shard, x).to(x.scalar_type());
  if (bias.defined()) y = y + bias.to(y.scalar_type());
  return y;
}

at::Tensor sharded_weight_product(const std::shared_ptr<const BaseShard>& shard, const at::Tensor& x) {
  if (!needs_grad(x)) return whole_linear(*shard, {}).weight_product(x);
  const auto& info = shard->info();
  return product(shard, info.quantized ? x : x.to(info.dtype));
}

}  // namespace llmcp::model

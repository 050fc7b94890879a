// GradScaler on ATen's own AMP kernels (the ones torch.amp.GradScaler calls), so the arithmetic
// (the reciprocal in fp64, the update rule) is libtorch's, on CPU and CUDA alike.
#include "train/grad_scaler.h"

#include <ATen/ops/_amp_foreach_non_finite_check_and_unscale.h>
#include <ATen/ops/_amp_update_scale.h>

#include "core/error.h"

namespace llmcp::train {

GradScaler::GradScaler(const c10::Device& device, Settings s) : s_(s) {
  LLMCP_CHECK(s.init_scale > 0 && s.growth_factor > 1 && s.backoff_factor > 0 && s.backoff_factor < 1 &&
                  s.growth_interval > 0,
              kInvalidArgument, "gradient scaler: the scale must be positive, growth above 1, backoff in (0, 1)");
  const auto opts = at::TensorOptions().device(device);
  scale_ = at::full({1}, s.init_scale, opts.dtype(at::kFloat));
  growth_tracker_ = at::zeros({1}, opts.dtype(at::kInt));
  found_inf_ = at::zeros({1}, opts.dtype(at::kFloat));
}

at::Tensor GradScaler::scale(const at::Tensor& loss) const { return loss * scale_.to(loss.device()); }

bool GradScaler::unscale(const std::vector<at::Tensor>& grads) {
  found_inf_.zero_();
  const auto inv_scale = scale_.to(at::kDouble).reciprocal().to(at::kFloat);  // as torch.amp does
  std::vector<at::Tensor> defined;
  for (const auto& g : grads)
    if (g.defined()) defined.push_back(g);
  if (!defined.empty()) at::_amp_foreach_non_finite_check_and_unscale_(defined, found_inf_, inv_scale);
  return found_inf_.item<float>() == 0.0f;
}

void GradScaler::update() {
  at::_amp_update_scale_(scale_, growth_tracker_, found_inf_, s_.growth_factor, s_.backoff_factor, s_.growth_interval);
  found_inf_.zero_();
}

}  // namespace llmcp::train

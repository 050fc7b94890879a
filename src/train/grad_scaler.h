// Loss scaling for fp16 mixed precision (GPUs without bf16: V100, T4), with torch.amp.GradScaler's
// semantics and defaults: the loss is multiplied by a scale before backward; the gradients are
// divided by it before clipping; a step whose gradients hold inf or NaN is skipped and the scale
// halves; after growth_interval finite steps in a row it doubles. Checked against
// torch.amp.GradScaler itself (tests/train/grad_scaler_test.cpp).
#pragma once

#include <ATen/ATen.h>

#include <vector>

namespace llmcp::train {

class GradScaler {
 public:
  struct Settings {
    double init_scale = 65536.0;
    double growth_factor = 2.0;
    double backoff_factor = 0.5;
    int64_t growth_interval = 2000;
  };
  GradScaler(const c10::Device& device, Settings s);
  explicit GradScaler(const c10::Device& device) : GradScaler(device, Settings{}) {}

  // loss * scale, for backward.
  at::Tensor scale(const at::Tensor& loss) const;
  // Divides the gradients by the scale in place; true when every one is finite (the optimizer step
  // may run). Call once per step, before clipping.
  bool unscale(const std::vector<at::Tensor>& grads);
  // After the step (taken or skipped): backs the scale off if this step's gradients were not
  // finite, else counts towards growth.
  void update();

  double scale_value() const { return scale_.item<double>(); }
  int64_t growth_tracker() const { return growth_tracker_.item<int>(); }

 private:
  Settings s_;
  at::Tensor scale_;           // fp32 [1] on the device
  at::Tensor growth_tracker_;  // int32 [1]
  at::Tensor found_inf_;       // fp32 [1], this step's
};

}  // namespace llmcp::train

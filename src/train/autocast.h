// Autocast for a forward pass, as the trainer runs it: on for the scope when asked (bf16 on CPU;
// on CUDA bf16, or fp16 where the GPU lacks bf16), the previous state and an emptied cast cache
// restored on exit. Shared by the trainer, the benchmarks and the planner's tests, so they all run
// the forward the same way.
#pragma once

#include <ATen/autocast_mode.h>

namespace llmcp::train {

class Autocast {
 public:
  explicit Autocast(bool on, at::DeviceType device = at::kCPU, at::ScalarType dtype = at::kBFloat16)
      : on_(on), device_(device) {
    if (!on_) return;
    prev_ = at::autocast::is_autocast_enabled(device_);
    prev_dtype_ = at::autocast::get_autocast_dtype(device_);
    at::autocast::set_autocast_enabled(device_, true);
    at::autocast::set_autocast_dtype(device_, dtype);
  }
  ~Autocast() {
    if (!on_) return;
    at::autocast::set_autocast_enabled(device_, prev_);
    at::autocast::set_autocast_dtype(device_, prev_dtype_);
    at::autocast::clear_cache();
  }
  Autocast(const Autocast&) = delete;
  Autocast& operator=(const Autocast&) = delete;

 private:
  bool on_, prev_ = false;
  at::DeviceType device_;
  at::ScalarType prev_dtype_ = at::kBFloat16;
};

}  // namespace llmcp::train

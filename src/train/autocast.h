// bf16 autocast for a CPU forward pass, as the trainer runs it: on for the scope when asked,
// the previous state and an emptied cast cache restored on exit. Shared by the trainer, the
// benchmarks and the planner's tests, so they all run the forward the same way.
#pragma once

#include <ATen/autocast_mode.h>

namespace llmcp::train {

class Autocast {
 public:
  explicit Autocast(bool on) : on_(on) {
    if (!on_) return;
    prev_ = at::autocast::is_cpu_enabled();
    at::autocast::set_cpu_enabled(true);
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  }
  ~Autocast() {
    if (!on_) return;
    at::autocast::set_cpu_enabled(prev_);
    at::autocast::clear_cache();
  }
  Autocast(const Autocast&) = delete;
  Autocast& operator=(const Autocast&) = delete;

 private:
  bool on_, prev_ = false;
};

}  // namespace llmcp::train

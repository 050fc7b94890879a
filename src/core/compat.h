// The one place where libtorch versions differ: Debian's 1.13 (CPU, CI) and CUDA libtorch 2.x
// (GPU builds). Everything else calls these helpers instead of version-specific APIs.
#pragma once

#include <ATen/ATen.h>
#include <torch/version.h>

#define LLMCP_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) ||        \
   (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace llmcp::core::compat {

// Fused attention exists from 2.0; 1.13 uses the explicit softmax path in the model.
inline constexpr bool kHasSdpa = LLMCP_TORCH_AT_LEAST(2, 0);

inline void set_cpu_autocast(bool enabled, at::ScalarType dtype) {
#if LLMCP_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_enabled(at::kCPU, enabled);
  at::autocast::set_autocast_dtype(at::kCPU, dtype);
#else
  at::autocast::set_cpu_enabled(enabled);
  at::autocast::set_autocast_cpu_dtype(dtype);
#endif
}

}  // namespace llmcp::core::compat

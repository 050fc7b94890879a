// The one place where libtorch versions differ: Debian's 1.13 (CPU, CI) and CUDA libtorch 2.x
// (GPU builds). Nothing needs a version switch yet; code that does (fused attention, the 2.4
// autocast API) tests LLMCP_TORCH_AT_LEAST here rather than TORCH_VERSION_* elsewhere.
#pragma once

#include <torch/version.h>

#define LLMCP_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) ||        \
   (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

// The one place allowed to test libtorch's version. The engine builds against the pinned wheel
// (torch 2.15; see CMakeLists.txt) and needs no switch today; code that must support another
// version (the GPU machine's own torch in scripts/device-check.sh, say) tests LLMCP_TORCH_AT_LEAST
// here rather than TORCH_VERSION_* elsewhere.
#pragma once

#include <torch/version.h>

#define LLMCP_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) ||        \
   (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

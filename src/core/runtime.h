// Process-wide torch set-up: intra-op threads from the machine (libtorch defaults to 1 here)
// and the compute device chosen by the user ("cpu", "cuda", "cuda:1", "auto").
#pragma once

#include <c10/core/Device.h>

#include <string>

namespace llmcp::core {

// Respects OMP_NUM_THREADS / LLMCP_THREADS when set, else uses every hardware thread. Idempotent.
void init_torch_threads();

// "auto" picks CUDA when available. Unknown or unavailable devices are an error saying which exist.
c10::Device parse_device(const std::string& spec);

}  // namespace llmcp::core

// What `llm-mcp --version` and the MCP serverInfo report: this program's version and commit, the
// libtorch it was built against, and whether CUDA is compiled in and usable here.
#include <ATen/Context.h>
#include <torch/version.h>

#include "engine/engine.h"
#include "git_commit.h"

namespace llmcp::engine {

nlohmann::json build_info() {
  return {{"version", LLMCP_VERSION},
          {"commit", LLMCP_GIT_COMMIT},
          {"libtorch", TORCH_VERSION},
          {"cuda_build", static_cast<bool>(LLMCP_CUDA_BUILD)},
          {"cuda_available", at::hasCUDA()}};
}

}  // namespace llmcp::engine

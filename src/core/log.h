// Logging goes to stderr only: stdout belongs to the MCP stdio transport and to generated text.
#pragma once

#include <spdlog/spdlog.h>

namespace llmcp::core {

// Installs the stderr logger as spdlog's default; level from LLMCP_LOG_LEVEL (default "info").
void init_logging();

}  // namespace llmcp::core

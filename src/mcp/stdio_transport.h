// The stdio transport: newline-delimited JSON-RPC on stdin/stdout (stdout carries nothing else;
// logs go to stderr). Each request runs on its own thread, so ping and cancellation are
// answered while a long tool call runs. Returns when stdin closes and the requests already
// read have been answered (those still running after 30 s are cancelled).
#pragma once

#include <cstddef>

#include "mcp/server.h"

namespace llmcp::mcp {

struct StdioOptions {
  int in_fd = 0, out_fd = 1;
  size_t max_message_bytes = 8 << 20;  // a longer line is refused (-32700) and skipped
};

void run_stdio(Server& server, const StdioOptions& options = {});

}  // namespace llmcp::mcp

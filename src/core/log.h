// Logging goes to stderr only: stdout belongs to the MCP stdio transport and to generated text.
// This header does not include spdlog: libtorch 2.x bundles its own fmt, which must not meet the
// fmt Debian's spdlog is built against in one translation unit. Torch code logs through
// log_info/log_warn (parts streamed like LLMCP_CHECK's); torch-free code may use spdlog directly.
#pragma once

#include <sstream>
#include <string>

namespace llmcp::core {

// Installs the stderr logger as spdlog's default; level from LLMCP_LOG_LEVEL (default "info").
void init_logging();

enum class LogLevel { kDebug, kInfo, kWarn };
void log_line(LogLevel level, const std::string& message);

template <typename... Args>
void log_info(const Args&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  log_line(LogLevel::kInfo, os.str());
}

template <typename... Args>
void log_warn(const Args&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  log_line(LogLevel::kWarn, os.str());
}

}  // namespace llmcp::core

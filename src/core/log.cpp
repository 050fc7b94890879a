// Sets up spdlog's default logger on stderr, once, with the level from the environment.
#include "core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <mutex>

namespace llmcp::core {

void init_logging() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto logger = spdlog::stderr_color_mt("llm-mcp");
    const char* level = std::getenv("LLMCP_LOG_LEVEL");
    logger->set_level(level ? spdlog::level::from_str(level) : spdlog::level::info);
    logger->set_pattern("[%H:%M:%S.%e] [%^%l%$] %v");
    spdlog::set_default_logger(logger);
  });
}

void log_line(LogLevel level, const std::string& message) {
  switch (level) {
    case LogLevel::kDebug: spdlog::debug("{}", message); break;
    case LogLevel::kInfo: spdlog::info("{}", message); break;
    case LogLevel::kWarn: spdlog::warn("{}", message); break;
  }
}

}  // namespace llmcp::core

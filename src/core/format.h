// Number formatting for messages people read (parameter counts in logs and `llm-mcp info`).
#pragma once

#include <cstdint>
#include <string>

namespace llmcp::core {

// 6921720704 -> "6,921,720,704"; negative numbers keep their sign in front.
std::string with_commas(int64_t v);

}  // namespace llmcp::core

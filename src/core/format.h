// Number formatting for messages people read (parameter counts in logs and `llm-mcp info`, memory
// sizes in plans).
#pragma once

#include <cstdint>
#include <string>

namespace llmcp::core {

// 6921720704 -> "6,921,720,704"; negative numbers keep their sign in front.
std::string with_commas(int64_t v);

// 14495514624 -> "13.50 GiB" (MiB below a GiB, KiB below a MiB).
std::string format_bytes(int64_t bytes);

}  // namespace llmcp::core

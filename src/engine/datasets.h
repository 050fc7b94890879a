// Dataset checks for front ends (the MCP server's validate_dataset): what a JSONL file holds, what
// is wrong with which line, how long the examples are in the model's tokens, and one example as
// the model will see it with the trained part marked. Torch-free.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace llmcp::engine {

struct ValidateDatasetRequest {
  std::string model_dir;      // its tokenizer and chat template
  std::string data_path;
  std::string chat_template;  // "" = the model's
  int64_t seq_len = 0;        // 0 = no truncation (counts how many examples a limit would cut)
  int64_t max_errors = 20;
};

// {"path", "format", "lines", "used", "skipped", "blank", "truncated", "errors": [{"line", "reason"}],
//  "ignored_keys": {...}, "tokens": {"total", "targets", "min", "max", "mean", "p50", "p95"},
//  "example": {"line", "text", "marked", "tokens", "trained_tokens"}}
// "marked" wraps each trained run of text in ⟦ ⟧.
nlohmann::json validate_dataset(const ValidateDatasetRequest& req);

}  // namespace llmcp::engine

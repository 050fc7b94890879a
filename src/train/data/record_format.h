// Which format a JSONL record has, judged by its keys, and whether a line fits the format the file
// was detected as. Kept apart from encoding so the rules (and their error messages) live in one place.
#pragma once

#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "train/data/dataset.h"

namespace llmcp::data {

// messages -> chat; tool_calls with input -> tool_calls; instruction -> instruction; text -> text
// (precedence in that order). nullopt for anything else, non-objects included.
std::optional<DataFormat> detect_format(const nlohmann::ordered_json& record);

// The keys a format reads; any other key of a record is ignored (and counted).
const std::set<std::string>& keys_used_by(DataFormat format);

// nullopt when `record` belongs to a file of `file_format` (detected from line `detected_line`),
// else the reason, e.g. `expected the chat format's "messages" (detected from line 1); got keys
// text, meta`. A tool_calls file also takes records with "input" and no "tool_calls" (answers
// without a call).
std::optional<std::string> format_mismatch(const nlohmann::ordered_json& record, DataFormat file_format,
                                           int64_t detected_line);

// The reason a first record has no known format (lists the formats and the keys it has).
std::string unknown_format_reason(const nlohmann::ordered_json& record);

}  // namespace llmcp::data

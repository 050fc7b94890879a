// Format detection and per-line format checks (see record_format.h).
#include "train/data/record_format.h"

namespace llmcp::data {
namespace {

using nlohmann::ordered_json;

std::string keys_of(const ordered_json& r) {
  std::string s;
  for (auto it = r.begin(); it != r.end(); ++it) s += (s.empty() ? "" : ", ") + it.key();
  return s.empty() ? "none" : s;
}

// What a record of the format must have, as the error message names it.
const char* required_keys(DataFormat f) {
  switch (f) {
    case DataFormat::kText: return "\"text\"";
    case DataFormat::kInstruction: return "\"instruction\" and \"output\"";
    case DataFormat::kChat: return "\"messages\"";
    case DataFormat::kToolCalls: return "\"input\" and \"tool_calls\"";
  }
  return "";
}

}  // namespace

std::optional<DataFormat> detect_format(const ordered_json& r) {
  if (!r.is_object()) return std::nullopt;
  if (r.contains("messages")) return DataFormat::kChat;
  if (r.contains("tool_calls") && r.contains("input")) return DataFormat::kToolCalls;
  if (r.contains("instruction")) return DataFormat::kInstruction;
  if (r.contains("text")) return DataFormat::kText;
  return std::nullopt;
}

const std::set<std::string>& keys_used_by(DataFormat f) {
  static const std::set<std::string> kText = {"text"}, kInstruction = {"instruction", "input", "output"},
                                     kChat = {"messages", "tools"},
                                     kToolCalls = {"input", "output", "tool_calls", "tools", "system"};
  switch (f) {
    case DataFormat::kText: return kText;
    case DataFormat::kInstruction: return kInstruction;
    case DataFormat::kChat: return kChat;
    case DataFormat::kToolCalls: return kToolCalls;
  }
  return kText;
}

std::optional<std::string> format_mismatch(const ordered_json& r, DataFormat file_format, int64_t detected_line) {
  if (!r.is_object()) return std::string("expected a JSON object, got ") + r.type_name();
  const auto f = detect_format(r);
  if (f == file_format) return std::nullopt;
  if (!f && file_format == DataFormat::kToolCalls && r.contains("input")) return std::nullopt;
  std::string reason = std::string("expected the ") + format_name(file_format) + " format's " +
                       required_keys(file_format) + " (detected from line " + std::to_string(detected_line) +
                       "); got keys " + keys_of(r);
  if (f) reason += std::string(", which is the ") + format_name(*f) + " format: one file holds one format";
  return reason;
}

std::string unknown_format_reason(const ordered_json& r) {
  if (!r.is_object()) return std::string("expected a JSON object, got ") + r.type_name();
  return "no known format: expected \"text\" (text), \"instruction\" + \"output\" (instruction), \"messages\" "
         "(chat) or \"input\" + \"tool_calls\" (tool_calls); got keys " +
         keys_of(r);
}

}  // namespace llmcp::data

// Reading tool calls back out of the text a model generated, in the three formats open models are
// trained on (Llama-3.1 JSON, Mistral [TOOL_CALLS], Hermes/ChatML <tool_call>). Model output is
// untrusted: anything malformed comes back as plain content with no calls, never as an error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace llmcp::tokenizer::chat {

enum class ToolCallStyle {
  kLlama3Json,  // `<|python_tag|>`? {"name": f, "parameters": {...}} (; {...})*  `<|eom_id|>`?
  kMistral,     // content? [TOOL_CALLS] [{"name": f, "arguments": {...}, "id": "abc123XYZ"}, ...] </s>?
  kHermes,      // content? <tool_call>\n{"name": f, "arguments": {...}}\n</tool_call> ... (Qwen2.5, Hermes-2-Pro)
};

struct ToolCall {
  std::string name;                 // never empty
  nlohmann::ordered_json arguments;  // always an object
  std::string id;                   // the model's call id (Mistral), else empty
};

struct ParsedOutput {
  std::string content;  // text outside the calls (trimmed); the whole input when there are no calls
  std::vector<ToolCall> calls;
};

// Splits generated text into content and tool calls. All-or-nothing: when any part of the tool-call
// syntax is malformed (bad or truncated JSON, missing or non-string name, arguments that are not an
// object or a string holding one, unclosed tag, invalid UTF-8, nesting deeper than 64) the result
// has no calls and `content` is `generated` unchanged. Runs in time linear in the input.
ParsedOutput parse_tool_calls(std::string_view generated, ToolCallStyle style);

// The style a chat template (or a tokenizer_config.json text) implies: Mistral when it mentions
// [TOOL_CALLS], Hermes when it mentions <tool_call>, Llama3Json when it mentions <|python_tag|> or
// both "parameters" and "ipython"; nullopt otherwise.
std::optional<ToolCallStyle> detect_tool_call_style(std::string_view chat_template);

// "llama3_json", "mistral", "hermes" (vLLM's parser names).
std::string_view style_name(ToolCallStyle style);

}  // namespace llmcp::tokenizer::chat

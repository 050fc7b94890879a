// Prompts and expected answers for tool-call evaluation: what the model sees before it should
// call a tool, rendered through the same chat template (and the same record checks) as training.
#include "core/error.h"
#include "tokenizer/chat/chat_template.h"
#include "tokenizer/chat/jinja.h"
#include "train/data/conversation.h"
#include "train/data/dataset.h"

namespace llmcp::data {

using nlohmann::ordered_json;

std::optional<DataContext::ToolCallCase> DataContext::tool_call_case(const ordered_json& r, DataFormat f) const {
  if (!chat_ || (f != DataFormat::kToolCalls && f != DataFormat::kChat)) return std::nullopt;
  const Conversation c = conversation_of(r, f);
  // The last assistant turn that calls tools: everything before it is the prompt.
  size_t last = c.messages.size();
  for (size_t i = 0; i < c.messages.size(); ++i)
    if (c.messages[i]["role"] == "assistant" && c.messages[i].contains("tool_calls")) last = i;
  if (last == c.messages.size()) return std::nullopt;
  ordered_json expected = ordered_json::array();
  for (const auto& call : c.messages[last]["tool_calls"])
    expected.push_back({{"name", call["function"]["name"]}, {"arguments", call["function"]["arguments"]}});
  tokenizer::chat::ChatRequest req;
  req.messages = ordered_json::array();
  for (size_t i = 0; i < last; ++i) req.messages.push_back(c.messages[i]);
  req.tools = c.tools;
  req.add_generation_prompt = true;
  const auto text = tokenizer::chat::render_chat(c.tools.is_null() ? *chat_ : *tools_chat_, req, special_);
  return ToolCallCase{tok_.encode(text, /*add_special_tokens=*/false), std::move(expected)};
}

}  // namespace llmcp::data

// Prompts and expected answers for tool-call evaluation: what the model sees before it should
// call a tool, rendered through the same chat template as training.
#include "core/error.h"
#include "tokenizer/chat/chat_template.h"
#include "tokenizer/chat/jinja.h"
#include "train/data/dataset.h"

namespace llmcp::data {

using nlohmann::ordered_json;

std::optional<DataContext::ToolCallCase> DataContext::tool_call_case(const ordered_json& r, DataFormat f) const {
  if (!chat_) return std::nullopt;
  ordered_json messages = ordered_json::array(), expected = ordered_json::array(), tools;
  if (f == DataFormat::kToolCalls) {
    if (!r.contains("tool_calls") || !r["tool_calls"].is_array() || r["tool_calls"].empty()) return std::nullopt;
    if (r.contains("system") && r["system"].is_string()) messages.push_back({{"role", "system"}, {"content", r["system"]}});
    messages.push_back({{"role", "user"}, {"content", r.at("input")}});
    for (const auto& c : r["tool_calls"]) {
      ordered_json args = c.value("arguments", ordered_json::object());
      if (args.is_string()) args = ordered_json::parse(args.get<std::string>(), nullptr, false);
      expected.push_back({{"name", c.at("name")}, {"arguments", args}});
    }
    if (r.contains("tools")) tools = r["tools"];
  } else if (f == DataFormat::kChat) {
    const auto& all = r.at("messages");
    size_t last = all.size();
    for (size_t i = 0; i < all.size(); ++i)
      if (all[i].value("role", "") == "assistant" && all[i].contains("tool_calls") && !all[i]["tool_calls"].empty()) last = i;
    if (last == all.size()) return std::nullopt;
    for (size_t i = 0; i < last; ++i) messages.push_back(all[i]);
    for (const auto& c : all[last]["tool_calls"]) {
      const auto& fn = c.contains("function") ? c["function"] : c;
      ordered_json args = fn.value("arguments", ordered_json::object());
      if (args.is_string()) args = ordered_json::parse(args.get<std::string>(), nullptr, false);
      expected.push_back({{"name", fn.at("name")}, {"arguments", args}});
    }
    if (r.contains("tools")) tools = r["tools"];
  } else {
    return std::nullopt;
  }
  tokenizer::chat::ChatRequest req;
  req.messages = messages;
  req.tools = tools;
  req.add_generation_prompt = true;
  const auto text = tokenizer::chat::render_chat(tools.is_null() ? *chat_ : *tools_chat_, req, special_);
  return ToolCallCase{tok_.encode(text, /*add_special_tokens=*/false), expected};
}

}  // namespace llmcp::data

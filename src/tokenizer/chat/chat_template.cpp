// apply_chat_template(tokenize=False): assembles transformers' template context and renders it.
#include "tokenizer/chat/chat_template.h"

#include "core/error.h"

namespace llmcp::tokenizer::chat {

namespace {

using nlohmann::ordered_json;

// The message list as transformers 5 hands it to the template: keys whose value is None dropped
// (OpenAI clients send content=None beside tool_calls), and the reasoning fields aliased —
// {"thinking": r, **message, "reasoning_content": r} for the first of reasoning_content /
// thinking / reasoning that is set.
ordered_json template_messages(const ordered_json& messages) {
  LLMCP_CHECK(messages.is_array(), kInvalidArgument, "chat messages must be a JSON array");
  LLMCP_CHECK(!messages.empty(), kInvalidArgument,
              "cannot apply a chat template to an empty conversation: give at least one message");
  ordered_json out = ordered_json::array();
  for (const auto& m : messages) {
    LLMCP_CHECK(m.is_object(), kInvalidArgument, "each chat message must be a JSON object, got ", m.dump());
    ordered_json kept = ordered_json::object();
    for (const auto& [k, v] : m.items())
      if (!v.is_null()) kept[k] = v;
    const ordered_json* reasoning = nullptr;
    for (const char* field : {"reasoning_content", "thinking", "reasoning"}) {
      if (kept.contains(field)) {
        reasoning = &kept[field];
        break;
      }
    }
    if (reasoning == nullptr) {
      out.push_back(std::move(kept));
      continue;
    }
    ordered_json aliased = ordered_json::object();
    aliased["thinking"] = *reasoning;
    for (const auto& [k, v] : kept.items()) aliased[k] = v;
    aliased["reasoning_content"] = *reasoning;
    out.push_back(std::move(aliased));
  }
  return out;
}

}  // namespace

std::string render_chat(const JinjaTemplate& t, const ChatRequest& r, const nlohmann::ordered_json& special_tokens) {
  LLMCP_CHECK(special_tokens.is_object() || special_tokens.is_null(), kInvalidArgument,
              "special tokens must be a JSON object of name -> string");
  LLMCP_CHECK(r.extra.is_object() || r.extra.is_null(), kInvalidArgument, "extra template arguments must be a JSON object");
  nlohmann::ordered_json context = nlohmann::ordered_json::object();
  context["messages"] = template_messages(r.messages);
  context["tools"] = r.tools;
  context["documents"] = nullptr;
  context["add_generation_prompt"] = r.add_generation_prompt;
  if (special_tokens.is_object()) {
    for (const auto& [k, v] : special_tokens.items()) context[k] = v;
  }
  if (r.extra.is_object()) {
    for (const auto& [k, v] : r.extra.items()) {
      LLMCP_CHECK(k != "messages" && k != "tools" && k != "documents" && k != "add_generation_prompt", kInvalidArgument,
                  "extra chat template argument '", k, "' collides with a variable apply_chat_template sets");
      context[k] = v;
    }
  }
  return t.render(context);
}

}  // namespace llmcp::tokenizer::chat

// apply_chat_template(tokenize=False): assembles transformers' template context and renders it.
#include "tokenizer/chat/chat_template.h"

#include "core/error.h"

namespace llmcp::tokenizer::chat {

std::string render_chat(const JinjaTemplate& t, const ChatRequest& r, const nlohmann::ordered_json& special_tokens) {
  LLMCP_CHECK(r.messages.is_array(), kInvalidArgument, "chat messages must be a JSON array");
  LLMCP_CHECK(special_tokens.is_object() || special_tokens.is_null(), kInvalidArgument,
              "special tokens must be a JSON object of name -> string");
  LLMCP_CHECK(r.extra.is_object() || r.extra.is_null(), kInvalidArgument, "extra template arguments must be a JSON object");
  nlohmann::ordered_json context = nlohmann::ordered_json::object();
  context["messages"] = r.messages;
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

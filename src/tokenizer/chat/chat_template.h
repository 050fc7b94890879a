// Renders a conversation through a model's chat template the way transformers'
// apply_chat_template(tokenize=False) does, so prompts and training text match what the model
// was trained on.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "tokenizer/chat/jinja.h"

namespace llmcp::tokenizer::chat {

struct ChatRequest {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();  // OpenAI shape
  nlohmann::ordered_json tools;  // null = no tools (the template sees None)
  bool add_generation_prompt = false;
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();  // extra template kwargs (date_string, ...)
};

// Context: messages (as transformers 5 passes them: at least one; keys whose value is null
// dropped; reasoning_content / thinking / reasoning aliased to each other), tools, documents=None, add_generation_prompt, then `special_tokens`
// (bos_token, eos_token, ... as strings; only those the tokenizer has) and `extra`, which may
// override special tokens but not the four named variables (transformers would raise too).
std::string render_chat(const JinjaTemplate& t, const ChatRequest& r, const nlohmann::ordered_json& special_tokens);

}  // namespace llmcp::tokenizer::chat

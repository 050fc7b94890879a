// The tokenizer and chat-template part of the facade: what `llm-mcp tokenize / detokenize /
// render-chat` (and the MCP tools) need, in plain types and JSON. Torch-free. `model_dir` may be a
// folder holding only tokenizer files (tokenizer.json or tokenizer.model, tokenizer_config.json,
// optionally config.json and a chat template).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace llmcp::engine {

struct TokenizeResult {
  std::vector<int32_t> ids;
  std::vector<std::string> pieces;  // the token strings, as in tokenizer.json
};
// One result per text.
std::vector<TokenizeResult> tokenize(const std::string& model_dir, const std::vector<std::string>& texts,
                                     bool add_special_tokens);

// One text per id list.
std::vector<std::string> detokenize(const std::string& model_dir, const std::vector<std::vector<int32_t>>& ids,
                                    bool skip_special_tokens);

struct RenderChatRequest {
  std::string model_dir;
  nlohmann::ordered_json messages;  // OpenAI-shaped list
  nlohmann::ordered_json tools;     // null: none
  bool add_generation_prompt = false;
  std::string template_name;        // a named template of the model, or a path to a .jinja file
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
  bool with_mask = false;           // also tokenize and compute the training loss mask
};
struct RenderChatResult {
  std::string text;
  std::string template_origin;
  std::vector<std::pair<size_t, size_t>> trained_spans;  // with_mask: byte ranges of assistant turns
  std::vector<int32_t> ids;                               // with_mask
  std::vector<uint8_t> mask;                              // with_mask: 1 = in the loss
};
RenderChatResult render_chat(const RenderChatRequest& req);

}  // namespace llmcp::engine

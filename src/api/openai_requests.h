// OpenAI request bodies read into the engine's requests, and the engine's answers written as
// OpenAI's response objects. Fields are checked with errors that name them; fields this server
// does not act on are refused when they would change the answer (penalties, echo, logit bias) and
// ignored when they would not (user, a zero penalty), as vLLM does.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "engine/serving.h"

namespace llmcp::api {

using Json = nlohmann::json;

// The sampling and length fields shared by both endpoints, into `g` (model_dir is the caller's).
// `max_key`: the length field's names in order of preference.
void read_generation(const Json& body, engine::GenerateRequest& g, bool chat);
int64_t read_n(const Json& body);  // choices per request (1..16)
bool read_stream(const Json& body);
bool include_usage(const Json& body);  // stream_options.include_usage
// The prompt of /v1/completions: a string, or a list holding one string.
std::string read_prompt(const Json& body);
// tool_choice: "auto" (or absent), "none", "required", or {"type": "function", "function":
// {"name": N}} (choice "function", name N).
struct ToolChoice {
  std::string choice = "auto";
  std::string name;
};
ToolChoice read_tool_choice(const Json& body);

// OpenAI's finish_reason for the engine's: eos and stop -> "stop", length -> "length",
// a cancelled request -> "abort" (vLLM's word for it).
std::string finish_reason(const std::string& engine_reason);
Json usage_json(int64_t prompt_tokens, int64_t completion_tokens);
// A choice's `logprobs`: the completions (legacy) shape {"tokens", "token_logprobs",
// "top_logprobs", "text_offset"}, `offset` being where the first token's text starts (advanced
// past the tokens, for the next streamed chunk); and the chat shape {"content": [{"token",
// "logprob", "bytes", "top_logprobs"}]}. -inf is written as -9999.0, as vLLM does.
Json completion_logprobs(const std::vector<engine::TokenLogprob>& tokens, int64_t& offset);
Json chat_logprobs(const std::vector<engine::TokenLogprob>& tokens);
// The assistant message of a chat answer: content (null when only tool calls) and tool_calls
// with arguments as a JSON string and a fresh call id.
Json chat_message(const engine::ChatResponse& r);
std::string random_id(const std::string& prefix);  // "cmpl-" + 24 hex digits

}  // namespace llmcp::api

// Test data: the conversations every chat template is rendered with (plain turns, awkward content,
// role-order mistakes, tools, tool calls with dict and string arguments, tool results, extra
// kwargs), and the chat templates found in tests/fixtures/hf-files with their special tokens.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace llmcp::tokenizer::chat::testing {

struct Conversation {
  std::string name;
  nlohmann::ordered_json messages;
  nlohmann::ordered_json tools;  // null: no tools
  bool add_generation_prompt = false;
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
};

std::vector<Conversation> conversations();

struct FixtureTemplate {
  std::string origin;  // file (and template name) it came from
  std::string source;
  nlohmann::ordered_json special_tokens;  // bos_token, eos_token, unk_token, pad_token as strings
};

// Every chat_template.jinja and tokenizer_config.json `chat_template` (string or named list)
// under tests/fixtures/hf-files, plus the built-in templates in src/tokenizer/chat/templates.
std::vector<FixtureTemplate> fixture_templates();

}  // namespace llmcp::tokenizer::chat::testing

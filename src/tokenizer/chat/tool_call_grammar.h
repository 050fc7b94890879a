// tool_choice "required" and a named function, as constrained decoding: the assistant's turn is
// opened with the template's tool-call syntax (appended to the rendered prompt), and what the model
// writes after it is held to a small grammar — a tool's name, a JSON object of arguments, then the
// syntax's closing — so the answer always parses as a call. vLLM reaches the same end with a JSON
// schema and guided decoding; here the arguments are any JSON object (the schema's keys and types
// are not enforced).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/chat/json_prefix.h"
#include "tokenizer/chat/tool_calls.h"

namespace llmcp::tokenizer::chat {

class ToolCallGrammar {
 public:
  struct Part {
    enum class Kind { kLiteral, kOneOf, kJsonObject } kind;
    std::vector<std::string> texts;  // the literal (one), or the alternatives (prefix-free)
  };
  explicit ToolCallGrammar(std::vector<Part> parts);

  // Whether `text` can come next (the output stays a prefix of the grammar). Empty text cannot.
  bool accepts(std::string_view text) const;
  void advance(std::string_view text);  // throws kInvalidArgument when !accepts(text)
  bool complete() const { return part_ == parts_->size(); }  // only the end may follow
  // The shortest text that completes the grammar from here.
  std::string closing() const;
  // accepts(text), and the grammar can still be completed within `budget` more bytes after it:
  // a generation with `budget` tokens left after this one can always close the call (every byte
  // is a token in byte-level and byte-fallback vocabularies).
  bool fits(std::string_view text, size_t budget) const;

 private:
  bool push(char c);
  std::shared_ptr<const std::vector<Part>> parts_;  // shared: the grammar is copied per candidate token
  size_t part_ = 0;
  std::string typed_;  // of the current literal / alternative
  JsonObjectPrefix json_;
};

struct ForcedToolCall {
  std::string opening;  // appended to the prompt: the assistant's answer starts with it
  ToolCallGrammar grammar;
};

// `names`: the request's tools (OpenAI's name rule: 1-64 of [a-zA-Z0-9_-], else kInvalidArgument).
// `named`: the one to call (tool_choice {"type": "function", ...}); nullopt = any ("required").
ForcedToolCall force_tool_call(ToolCallStyle style, const std::vector<std::string>& names,
                               const std::optional<std::string>& named);

}  // namespace llmcp::tokenizer::chat

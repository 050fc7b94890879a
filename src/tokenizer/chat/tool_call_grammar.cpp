// The forced tool call's grammar; see tool_call_grammar.h.
#include "tokenizer/chat/tool_call_grammar.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"

namespace llmcp::tokenizer::chat {

ToolCallGrammar::ToolCallGrammar(std::vector<Part> parts)
    : parts_(std::make_shared<const std::vector<Part>>(std::move(parts))) {}

namespace {

// The shortest of a part's texts that starts with `typed`, without `typed`.
std::string shortest_rest(const ToolCallGrammar::Part& p, const std::string& typed) {
  std::optional<std::string> best;
  for (const auto& t : p.texts)
    if (t.starts_with(typed) && (!best || t.size() - typed.size() < best->size())) best = t.substr(typed.size());
  return best.value_or("");
}

}  // namespace

std::string ToolCallGrammar::closing() const {
  std::string out;
  for (size_t i = part_; i < parts_->size(); ++i) {
    const Part& p = (*parts_)[i];
    const bool current = i == part_;
    if (p.kind == Part::Kind::kJsonObject) out += current ? json_.closing() : "{}";
    else out += shortest_rest(p, current ? typed_ : "");
  }
  return out;
}

bool ToolCallGrammar::fits(std::string_view text, size_t budget) const {
  if (text.empty()) return false;
  ToolCallGrammar copy = *this;
  for (char c : text)
    if (!copy.push(c)) return false;
  return copy.closing().size() <= budget;
}

bool ToolCallGrammar::push(char c) {
  if (complete()) return false;
  const Part& p = (*parts_)[part_];
  if (p.kind == Part::Kind::kJsonObject) {
    if (!json_.push(c)) return false;
    if (json_.complete()) ++part_;
    return true;
  }
  typed_ += c;
  bool prefix = false, whole = false;
  for (const auto& t : p.texts) {
    if (!t.starts_with(typed_)) continue;
    prefix = true;
    whole = whole || t.size() == typed_.size();
  }
  if (!prefix) return false;
  if (whole) {  // alternatives are prefix-free: a whole one ends the part
    typed_.clear();
    ++part_;
  }
  return true;
}

bool ToolCallGrammar::accepts(std::string_view text) const {
  if (text.empty()) return false;
  ToolCallGrammar copy = *this;
  return std::all_of(text.begin(), text.end(), [&](char c) { return copy.push(c); });
}

void ToolCallGrammar::advance(std::string_view text) {
  LLMCP_CHECK(accepts(text), kInvalidArgument, "the text '", text, "' does not continue the forced tool call");
  for (char c : text) push(c);
}

ForcedToolCall force_tool_call(ToolCallStyle style, const std::vector<std::string>& names,
                               const std::optional<std::string>& named) {
  LLMCP_CHECK(!names.empty(), kInvalidArgument, "tool_choice \"required\" or a named function needs 'tools'");
  for (const auto& n : names)
    LLMCP_CHECK(!n.empty() && n.size() <= 64 && std::all_of(n.begin(), n.end(), [](char c) {
                  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
                }),
                kInvalidArgument, "tool name '", n, "' must be 1 to 64 letters, digits, '_' or '-'");
  if (named)
    LLMCP_CHECK(std::find(names.begin(), names.end(), *named) != names.end(), kInvalidArgument, "tool_choice names '",
                *named, "', which is not among the request's tools");
  // Each style as its chat template writes an assistant's call.
  std::string open, args_key, close;
  switch (style) {
    case ToolCallStyle::kHermes: open = "<tool_call>\n{\"name\": \"", args_key = "arguments", close = "}\n</tool_call>"; break;
    case ToolCallStyle::kLlama3Json: open = "{\"name\": \"", args_key = "parameters", close = "}"; break;
    case ToolCallStyle::kMistral: open = "[TOOL_CALLS] [{\"name\": \"", args_key = "arguments", close = "}]"; break;
  }
  using Kind = ToolCallGrammar::Part::Kind;
  const std::string after_name = "\", \"" + args_key + "\": ";
  std::vector<ToolCallGrammar::Part> parts;
  if (named) {
    open += *named + after_name;
  } else {
    std::vector<std::string> quoted;
    for (const auto& n : names) quoted.push_back(n + after_name);  // '"' ends a name: prefix-free
    std::sort(quoted.begin(), quoted.end());
    quoted.erase(std::unique(quoted.begin(), quoted.end()), quoted.end());
    parts.push_back({Kind::kOneOf, quoted});
  }
  parts.push_back({Kind::kJsonObject, {}});
  parts.push_back({Kind::kLiteral, {close}});
  return {open, ToolCallGrammar(std::move(parts))};
}

}  // namespace llmcp::tokenizer::chat

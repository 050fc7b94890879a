// Tool-call parsing for generated text (see tool_calls.h). JSON is first delimited by a linear
// bracket scan that also bounds nesting depth and ordered_json's quadratic key lookup, then parsed
// by nlohmann without exceptions; anything that fails turns the whole output back into content.
#include "tokenizer/chat/tool_calls.h"

#include <cstdint>

#include "core/error.h"
#include "tokenizer/utf8.h"

namespace llmcp::tokenizer::chat {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::size_t kMaxDepth = 64;
// ordered_json finds a key by comparing it with every earlier key of its object; this caps the bytes
// compared in one output (1,000 keys of 20 bytes cost about 10M) so hostile input cannot take
// quadratic time.
constexpr std::uint64_t kMaxKeyWork = std::uint64_t{1} << 26;

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skip_ws(std::string_view s, std::size_t i) {
  while (i < s.size() && is_ws(s[i])) ++i;
  return i;
}

std::string_view trim(std::string_view s) {
  const std::size_t b = skip_ws(s, 0);
  std::size_t e = s.size();
  while (e > b && is_ws(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// Removes end-of-turn markers (and the whitespace around them) from the end of `s`.
std::string_view strip_end_markers(std::string_view s, std::initializer_list<std::string_view> markers) {
  s = trim(s);
  for (bool again = true; again;) {
    again = false;
    for (std::string_view m : markers) {
      if (s.ends_with(m)) {
        s = trim(s.substr(0, s.size() - m.size()));
        again = true;
      }
    }
  }
  return s;
}

// Nothing is built while brackets are matched: nlohmann validates and builds afterwards.
std::optional<Json> parse_delimited(std::string_view text) {
  try {
    Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return std::nullopt;
    return j;
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

// Reads the call objects of one output. `args_key` names the arguments (its alias is tried when it
// is absent). One key-comparison budget is shared by every JSON value read, so the total work stays
// bounded however many calls or nested argument strings the output holds.
class CallReader {
 public:
  CallReader(std::string_view args_key, std::string_view alias_key) : args_key_(args_key), alias_key_(alias_key) {}

  // The end of the JSON object or array that opens at s[begin], found by matching brackets outside
  // strings. nullopt when it is unbalanced or truncated, nests deeper than kMaxDepth, or would
  // overdraw the key budget.
  std::optional<std::size_t> extent(std::string_view s, std::size_t begin) {
    struct Frame {
      char close;
      bool expect_key;  // inside an object, the next string is a key
      std::uint64_t keys;
    };
    if (begin >= s.size() || (s[begin] != '{' && s[begin] != '[')) return std::nullopt;
    std::vector<Frame> stack;
    for (std::size_t i = begin; i < s.size(); ++i) {
      const char c = s[i];
      if (c == '"') {
        std::size_t j = i + 1;
        while (j < s.size() && s[j] != '"') j += s[j] == '\\' ? 2 : 1;
        if (j >= s.size()) return std::nullopt;
        if (!stack.empty() && stack.back().expect_key) {
          Frame& f = stack.back();
          const std::uint64_t work = f.keys * (j - i);  // compared against every earlier key
          if (work > key_work_left_) return std::nullopt;
          key_work_left_ -= work;
          ++f.keys;
          f.expect_key = false;
        }
        i = j;
      } else if (c == '{' || c == '[') {
        if (stack.size() >= kMaxDepth) return std::nullopt;
        stack.push_back({c == '{' ? '}' : ']', c == '{', 0});
      } else if (c == '}' || c == ']') {
        if (stack.empty() || stack.back().close != c) return std::nullopt;
        stack.pop_back();
        if (stack.empty()) return i + 1;
      } else if (c == ',' && !stack.empty() && stack.back().close == '}') {
        stack.back().expect_key = true;
      }
    }
    return std::nullopt;
  }

  // `text` (already trimmed) as exactly one JSON object or array.
  std::optional<Json> parse(std::string_view text) {
    const auto end = extent(text, 0);
    if (!end || *end != text.size()) return std::nullopt;
    return parse_delimited(text);
  }

  // A non-empty string "name" and arguments that are an object or a string holding one; "id" is
  // kept when it is a string.
  std::optional<ToolCall> to_call(const Json& j) {
    if (!j.is_object()) return std::nullopt;
    const auto name = j.find("name");
    if (name == j.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) return std::nullopt;
    auto args = j.find(args_key_);
    if (args == j.end()) args = j.find(alias_key_);
    if (args == j.end()) return std::nullopt;
    ToolCall call;
    call.name = name->get<std::string>();
    if (args->is_object()) {
      call.arguments = *args;
    } else if (args->is_string()) {
      auto decoded = parse(trim(args->get_ref<const std::string&>()));
      if (!decoded || !decoded->is_object()) return std::nullopt;
      call.arguments = std::move(*decoded);
    } else {
      return std::nullopt;
    }
    const auto id = j.find("id");
    if (id != j.end() && id->is_string()) call.id = id->get<std::string>();
    return call;
  }

  // Reads the call object at text[begin] into `out`; returns the position after it.
  std::optional<std::size_t> take_call(std::string_view text, std::size_t begin, std::vector<ToolCall>& out) {
    const auto end = extent(text, begin);
    if (!end) return std::nullopt;
    const auto j = parse_delimited(text.substr(begin, *end - begin));
    if (!j) return std::nullopt;
    auto call = to_call(*j);
    if (!call) return std::nullopt;
    out.push_back(std::move(*call));
    return end;
  }

 private:
  std::string_view args_key_, alias_key_;
  std::uint64_t key_work_left_ = kMaxKeyWork;
};

constexpr std::string_view kPythonTag = "<|python_tag|>";
constexpr std::string_view kMistralTag = "[TOOL_CALLS]";
constexpr std::string_view kHermesOpen = "<tool_call>";
constexpr std::string_view kHermesClose = "</tool_call>";

// [content] <|python_tag|>? {call} (; {call})* ;? <|eom_id|>|<|eot_id|>?  — without the tag the
// output must open with `{`, else it is a plain answer.
std::optional<ParsedOutput> parse_llama3(std::string_view text) {
  ParsedOutput out;
  std::string_view body = text;
  if (const std::size_t tag = text.find(kPythonTag); tag != std::string_view::npos) {
    out.content = trim(text.substr(0, tag));
    body = text.substr(tag + kPythonTag.size());
  }
  body = strip_end_markers(body, {"<|eom_id|>", "<|eot_id|>"});
  if (body.empty() || body[0] != '{') return std::nullopt;
  CallReader reader("parameters", "arguments");
  for (std::size_t pos = 0; pos < body.size();) {
    const auto end = reader.take_call(body, pos, out.calls);
    if (!end) return std::nullopt;
    pos = skip_ws(body, *end);
    if (pos == body.size()) break;
    if (body[pos] != ';') return std::nullopt;
    pos = skip_ws(body, pos + 1);
  }
  return out;
}

// [content] [TOOL_CALLS] [{call}, ...] </s>?  — a lone {call} is accepted too.
std::optional<ParsedOutput> parse_mistral(std::string_view text) {
  const std::size_t tag = text.find(kMistralTag);
  if (tag == std::string_view::npos) return std::nullopt;
  ParsedOutput out;
  out.content = trim(text.substr(0, tag));
  const std::string_view body = strip_end_markers(text.substr(tag + kMistralTag.size()), {"</s>"});
  if (body.empty()) return std::nullopt;
  CallReader reader("arguments", "parameters");
  if (body[0] == '{') {
    const auto end = reader.take_call(body, 0, out.calls);
    return end && *end == body.size() ? std::optional(std::move(out)) : std::nullopt;
  }
  const auto list = reader.parse(body);
  if (!list || !list->is_array() || list->empty()) return std::nullopt;
  for (const Json& j : *list) {
    auto call = reader.to_call(j);
    if (!call) return std::nullopt;
    out.calls.push_back(std::move(*call));
  }
  return out;
}

// content <tool_call> {call} </tool_call> content <tool_call> ... — every block closed, content is
// the text outside the blocks.
std::optional<ParsedOutput> parse_hermes(std::string_view text) {
  ParsedOutput out;
  std::string content;
  CallReader reader("arguments", "parameters");
  for (std::size_t pos = 0;;) {
    const std::size_t open = text.find(kHermesOpen, pos);
    const std::string_view outside = text.substr(pos, open == std::string_view::npos ? open : open - pos);
    if (outside.find(kHermesClose) != std::string_view::npos) return std::nullopt;
    content += outside;
    if (open == std::string_view::npos) break;
    const std::size_t begin = skip_ws(text, open + kHermesOpen.size());
    const auto end = reader.take_call(text, begin, out.calls);
    if (!end) return std::nullopt;
    const std::size_t close = skip_ws(text, *end);
    if (!text.substr(close).starts_with(kHermesClose)) return std::nullopt;
    pos = close + kHermesClose.size();
  }
  if (out.calls.empty()) return std::nullopt;
  out.content = strip_end_markers(content, {"<|im_end|>", "<|endoftext|>"});
  return out;
}

}  // namespace

ParsedOutput parse_tool_calls(std::string_view generated, ToolCallStyle style) {
  std::optional<ParsedOutput> parsed;
  if (find_invalid_utf8(generated) == std::string_view::npos) {
    switch (style) {
      case ToolCallStyle::kLlama3Json: parsed = parse_llama3(generated); break;
      case ToolCallStyle::kMistral: parsed = parse_mistral(generated); break;
      case ToolCallStyle::kHermes: parsed = parse_hermes(generated); break;
      default: LLMCP_FAIL(kInvalidArgument, "unknown tool-call style ", static_cast<int>(style));
    }
  }
  if (!parsed || parsed->calls.empty()) return ParsedOutput{std::string(generated), {}};
  return std::move(*parsed);
}

std::optional<ToolCallStyle> detect_tool_call_style(std::string_view chat_template) {
  const auto has = [&](std::string_view s) { return chat_template.find(s) != std::string_view::npos; };
  if (has(kMistralTag)) return ToolCallStyle::kMistral;
  if (has(kHermesOpen)) return ToolCallStyle::kHermes;
  if (has(kPythonTag) || (has("parameters") && has("ipython"))) return ToolCallStyle::kLlama3Json;
  return std::nullopt;
}

std::string_view style_name(ToolCallStyle style) {
  switch (style) {
    case ToolCallStyle::kLlama3Json: return "llama3_json";
    case ToolCallStyle::kMistral: return "mistral";
    case ToolCallStyle::kHermes: return "hermes";
  }
  LLMCP_FAIL(kInvalidArgument, "unknown tool-call style ", static_cast<int>(style));
}

}  // namespace llmcp::tokenizer::chat

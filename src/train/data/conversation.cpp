// Record -> conversation (see conversation.h). Only JSON here: no tokenizer, no template, so every
// field check is cheap and the same for training, evaluation and dataset validation.
#include "train/data/conversation.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "core/error.h"

namespace llmcp::data {
namespace {

using nlohmann::ordered_json;

std::string type_of(const ordered_json& j) {
  return std::string(j.type_name()) + " " + short_dump(j, 40);
}

// The string at `key`, or nullptr when absent or null.
const std::string* optional_string(const ordered_json& r, const char* key, const std::string& where = "") {
  const auto it = r.find(key);
  if (it == r.end() || it->is_null()) return nullptr;
  LLMCP_CHECK(it->is_string(), kInvalidArgument, where, "\"", key, "\" must be a string, got ", type_of(*it));
  return &it->get_ref<const std::string&>();
}

const std::string& required_string(const ordered_json& r, const char* key, const std::string& where = "") {
  const std::string* s = optional_string(r, key, where);
  LLMCP_CHECK(s != nullptr, kInvalidArgument, where, "missing \"", key, "\" (a string)");
  LLMCP_CHECK(!s->empty(), kInvalidArgument, where, "\"", key, "\" is empty");
  return *s;
}

// Tool-call arguments as a JSON object: an object as is, a string holding one parsed, none -> {}.
ordered_json arguments_object(const ordered_json& fn, const std::string& where) {
  const auto it = fn.find("arguments");
  if (it == fn.end() || it->is_null()) return ordered_json::object();
  if (it->is_string()) {
    auto parsed = ordered_json::parse(it->get<std::string>(), nullptr, /*allow_exceptions=*/false);
    LLMCP_CHECK(!parsed.is_discarded() && parsed.is_object(), kInvalidArgument, where,
                "\"arguments\" is a string that does not hold a JSON object: ", short_dump(*it));
    return parsed;
  }
  LLMCP_CHECK(it->is_object(), kInvalidArgument, where, "\"arguments\" must be a JSON object, got ", type_of(*it));
  return *it;
}

// One call, OpenAI-nested ({type, id?, function: {name, arguments}}) or flat ({name, arguments}),
// as the nested shape with `arguments` an object.
ordered_json normalise_call(const ordered_json& call, const std::string& where) {
  LLMCP_CHECK(call.is_object(), kInvalidArgument, where, " must be an object {\"name\", \"arguments\"}, got ",
              type_of(call));
  ordered_json out = call;
  if (!call.contains("function")) {
    out = ordered_json::object();
    out["type"] = "function";
    if (call.contains("id")) out["id"] = call["id"];
    out["function"] = ordered_json::object();
    for (auto it = call.begin(); it != call.end(); ++it)
      if (it.key() != "id" && it.key() != "type") out["function"][it.key()] = it.value();
  }
  ordered_json& fn = out["function"];
  LLMCP_CHECK(fn.is_object(), kInvalidArgument, where, ".function must be an object {\"name\", \"arguments\"}");
  required_string(fn, "name", where + ": ");
  const ordered_json args = arguments_object(fn, where + ": ");
  fn["arguments"] = args;
  if (!out.contains("type")) out["type"] = "function";
  return out;
}

void check_tools(const ordered_json& r) {
  const auto it = r.find("tools");
  if (it == r.end() || it->is_null()) return;
  LLMCP_CHECK(it->is_array(), kInvalidArgument, "\"tools\" must be a list of tool definitions, got ", type_of(*it));
  for (size_t i = 0; i < it->size(); ++i)
    LLMCP_CHECK((*it)[i].is_object(), kInvalidArgument, "tools[", i, "] must be an object, got ", type_of((*it)[i]));
}

ordered_json chat_messages(const ordered_json& r) {
  const ordered_json& in = r.at("messages");
  LLMCP_CHECK(in.is_array() && !in.empty(), kInvalidArgument,
              "\"messages\" must be a non-empty list of {\"role\", \"content\"}, got ", type_of(in));
  static constexpr std::array<std::string_view, 4> kRoles = {"system", "user", "assistant", "tool"};
  ordered_json out = ordered_json::array();
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string where = "messages[" + std::to_string(i) + "]";
    ordered_json m = in[i];
    LLMCP_CHECK(m.is_object(), kInvalidArgument, where, " must be an object {\"role\", \"content\"}, got ", type_of(m));
    const std::string* role = optional_string(m, "role", where + ": ");
    LLMCP_CHECK(role != nullptr, kInvalidArgument, where, " has no \"role\"");
    LLMCP_CHECK(std::find(kRoles.begin(), kRoles.end(), *role) != kRoles.end(), kInvalidArgument, where,
                ".role must be system, user, assistant or tool; got \"", *role, "\"");
    if (m.contains("tool_calls") && (m["tool_calls"].is_null() || (m["tool_calls"].is_array() && m["tool_calls"].empty())))
      m.erase("tool_calls");  // templates test for the key: an empty list would be rendered as a call
    if (m.contains("tool_calls")) {
      LLMCP_CHECK(*role == "assistant", kInvalidArgument, where, " has \"tool_calls\" but only assistant messages call tools");
      LLMCP_CHECK(m["tool_calls"].is_array(), kInvalidArgument, where, ".tool_calls must be a list, got ",
                  type_of(m["tool_calls"]));
      for (size_t k = 0; k < m["tool_calls"].size(); ++k)
        m["tool_calls"][k] = normalise_call(m["tool_calls"][k], where + ".tool_calls[" + std::to_string(k) + "]");
    }
    const auto content = m.find("content");
    const bool has_content = content != m.end() && !content->is_null();
    if (*role == "tool") {
      LLMCP_CHECK(has_content && (content->is_string() || content->is_object() || content->is_array()), kInvalidArgument,
                  where, ": a tool message needs \"content\" (the tool's result as a string or JSON)");
    } else if (*role == "assistant" && m.contains("tool_calls")) {
      LLMCP_CHECK(!has_content || content->is_string(), kInvalidArgument, where, ".content must be a string, got ",
                  type_of(*content));
    } else {
      LLMCP_CHECK(has_content, kInvalidArgument, where, " has no \"content\"");
      LLMCP_CHECK(content->is_string(), kInvalidArgument, where, ".content must be a string, got ", type_of(*content));
    }
    out.push_back(std::move(m));
  }
  return out;
}

// 9 characters from [a-zA-Z0-9], a pure function of the text (FNV-1a: the same on every platform).
std::string derived_call_id(const std::string& text) {
  static constexpr char kAlnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  uint64_t h = 14695981039346656037ull;
  for (const unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  std::string id;
  for (int k = 0; k < 9; ++k, h /= 62) id += kAlnum[h % 62];
  return id;
}

ordered_json tool_call_messages(const ordered_json& r) {
  const std::string& input = required_string(r, "input");
  const std::string* output = optional_string(r, "output");
  const std::string* system = optional_string(r, "system");
  ordered_json calls = ordered_json::array();
  if (const auto it = r.find("tool_calls"); it != r.end() && !it->is_null()) {
    LLMCP_CHECK(it->is_array(), kInvalidArgument, "\"tool_calls\" must be a list of {\"name\", \"arguments\"}, got ",
                type_of(*it));
    for (size_t k = 0; k < it->size(); ++k) {
      ordered_json call = normalise_call((*it)[k], "tool_calls[" + std::to_string(k) + "]");
      const ordered_json& fn = call["function"];
      ordered_json nested = {{"type", "function"},
                             {"id", call.contains("id") ? call["id"]
                                                        : ordered_json(derived_call_id(input + '\x1f' + std::to_string(k) +
                                                                                       '\x1f' + fn.dump()))},
                             {"function", {{"name", fn["name"]}, {"arguments", fn["arguments"]}}}};
      calls.push_back(std::move(nested));
    }
  }
  LLMCP_CHECK(!calls.empty() || (output != nullptr && !output->empty()), kInvalidArgument,
              "neither \"output\" nor \"tool_calls\": nothing to learn");
  ordered_json messages = ordered_json::array();
  if (system != nullptr && !system->empty()) messages.push_back({{"role", "system"}, {"content", *system}});
  messages.push_back({{"role", "user"}, {"content", input}});
  ordered_json assistant = {{"role", "assistant"}, {"content", output != nullptr ? *output : std::string()}};
  if (!calls.empty()) assistant["tool_calls"] = std::move(calls);
  messages.push_back(std::move(assistant));
  return messages;
}

}  // namespace

std::string short_dump(const ordered_json& j, size_t limit) {
  std::string s = j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  if (s.size() > limit) s = s.substr(0, limit) + "...";
  return s;
}

Conversation conversation_of(const ordered_json& r, DataFormat format) {
  LLMCP_CHECK(r.is_object(), kInvalidArgument, "expected a JSON object, got ", r.type_name());
  Conversation c;
  switch (format) {
    case DataFormat::kInstruction: {
      const std::string& instruction = required_string(r, "instruction");
      const std::string* input = optional_string(r, "input");
      const std::string* output = optional_string(r, "output");
      LLMCP_CHECK(output != nullptr, kInvalidArgument, "missing \"output\" (the answer to learn)");
      LLMCP_CHECK(!output->empty(), kInvalidArgument, "\"output\" is empty: nothing to learn");
      const bool with_input = input != nullptr && !input->empty();
      c.messages.push_back({{"role", "user"}, {"content", with_input ? instruction + "\n\n" + *input : instruction}});
      c.messages.push_back({{"role", "assistant"}, {"content", *output}});
      break;
    }
    case DataFormat::kChat:
      LLMCP_CHECK(r.contains("messages"), kInvalidArgument, "missing \"messages\"");
      c.messages = chat_messages(r);
      check_tools(r);
      break;
    case DataFormat::kToolCalls:
      c.messages = tool_call_messages(r);
      check_tools(r);
      break;
    case DataFormat::kText:
      LLMCP_FAIL(kInternal, "text records have no conversation");
  }
  if (format != DataFormat::kInstruction && r.contains("tools") && !r["tools"].is_null()) c.tools = r["tools"];
  return c;
}

std::vector<std::string> called_functions(const ordered_json& messages) {
  std::vector<std::string> names;
  for (const auto& m : messages) {
    if (!m.is_object() || !m.contains("tool_calls") || !m["tool_calls"].is_array()) continue;
    for (const auto& call : m["tool_calls"]) {
      const auto& fn = call.contains("function") ? call["function"] : call;
      if (fn.is_object() && fn.contains("name") && fn["name"].is_string()) names.push_back(fn["name"].get<std::string>());
    }
  }
  return names;
}

}  // namespace llmcp::data

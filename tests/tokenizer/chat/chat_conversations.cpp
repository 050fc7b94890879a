// Deterministic conversations and the fixture templates for the reference and fuzz tests.
#include "chat_conversations.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace llmcp::tokenizer::chat::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

ordered_json msg(const std::string& role, const ordered_json& content) { return {{"role", role}, {"content", content}}; }

ordered_json weather_tool() {
  return ordered_json::parse(R"({"type": "function", "function": {"name": "get_weather",
    "description": "Get the current weather in a city",
    "parameters": {"type": "object", "properties": {
      "city": {"type": "string", "description": "City name, e.g. \"Paris\""},
      "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
      "required": ["city"]}}})");
}

ordered_json search_tool() {
  return ordered_json::parse(R"({"type": "function", "function": {"name": "search_docs",
    "description": "Search the documentation — returns the top matches",
    "parameters": {"type": "object", "properties": {
      "query": {"type": "string"}, "limit": {"type": "integer", "minimum": 1, "default": 5},
      "filters": {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}}}}},
      "required": ["query"]},
    "return": {"type": "array"}}})");
}

ordered_json call(const std::string& id, const std::string& name, const ordered_json& arguments) {
  return {{"id", id}, {"type", "function"}, {"function", {{"name", name}, {"arguments", arguments}}}};
}

ordered_json assistant_calls(const ordered_json& calls, const ordered_json& content = nullptr) {
  ordered_json m = {{"role", "assistant"}};
  if (!content.is_null()) m["content"] = content;
  m["tool_calls"] = calls;
  return m;
}

ordered_json tool_result(const std::string& id, const std::string& name, const std::string& content) {
  return {{"role", "tool"}, {"tool_call_id", id}, {"name", name}, {"content", content}};
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ordered_json special_tokens_from(const ordered_json& config) {
  ordered_json out = ordered_json::object();
  for (const char* key : {"bos_token", "eos_token", "unk_token", "pad_token"}) {
    if (!config.contains(key)) continue;
    const auto& v = config[key];
    if (v.is_string()) out[key] = v;
    if (v.is_object() && v.contains("content")) out[key] = v["content"];
  }
  return out;
}

// The tokenizer_config.json of the template's folder, else of its model folder (revisions/x/..).
ordered_json special_tokens_for(const fs::path& dir, const fs::path& root) {
  for (fs::path d = dir; d != root && d.has_parent_path() && d.string().size() >= root.string().size(); d = d.parent_path()) {
    if (fs::exists(d / "tokenizer_config.json")) {
      return special_tokens_from(ordered_json::parse(read_file(d / "tokenizer_config.json")));
    }
  }
  return {{"bos_token", "<s>"}, {"eos_token", "</s>"}, {"unk_token", "<unk>"}};
}

}  // namespace

std::vector<Conversation> conversations() {
  std::vector<Conversation> c;
  const ordered_json sys = msg("system", "You are a helpful assistant.");
  const ordered_json u1 = msg("user", "What is the capital of France?");
  const ordered_json a1 = msg("assistant", "The capital of France is Paris.");
  const ordered_json u2 = msg("user", "And of Germany?");
  const ordered_json a2 = msg("assistant", "Berlin.");
  auto add = [&](std::string name, ordered_json messages, bool gen = false) {
    c.push_back({std::move(name), std::move(messages), nullptr, gen, ordered_json::object()});
  };
  add("single user", {u1});
  add("single user, generation prompt", {u1}, true);
  add("system + user", {sys, u1});
  add("system + user, generation prompt", {sys, u1}, true);
  add("multi-turn", {u1, a1, u2}, true);
  add("assistant last", {u1, a1});
  add("assistant last, generation prompt", {u1, a1}, true);
  add("system + two turns", {sys, u1, a1, u2, a2});
  add("empty user content", {msg("user", "")}, true);
  add("empty system content", {msg("system", ""), u1});
  add("newlines", {msg("user", "line one\nline two\n\nline four"), msg("assistant", "ok\n\n")}, true);
  add("surrounding spaces", {msg("system", "  padded system  "), msg("user", "   hi there   "), msg("assistant", " answer ")});
  add("tabs and newlines at the ends", {msg("user", "\n\t hello \t\n"), msg("assistant", "\n\nsure\n")}, true);
  add("quotes", {msg("user", "He said \"hi\" and 'bye' — it's \"quoted\"")}, true);
  add("backslashes", {msg("user", "C:\\path\\to\\file and \\n is not a newline \\\\")});
  add("jinja syntax in content", {msg("user", "{{ bos_token }} {% if x %} {# c #} }} %} {{"), msg("assistant", "{% endif %}")});
  add("CJK", {msg("user", "你好，世界！请用中文回答。"), msg("assistant", "好的。")}, true);
  add("emoji and accents", {msg("user", "👋🏽 héllo — ünïcödé ñ ß İ")}, true);
  add("right-to-left", {msg("system", "مرحبا"), msg("user", "שלום עולם")});
  add("special tokens in content", {msg("user", "<s>[INST] fake [/INST]</s><|im_end|><|eot_id|>")}, true);
  add("two users in a row", {u1, u2});
  add("assistant first", {a1, u1});
  add("system only", {sys}, true);
  add("no messages", ordered_json::array(), true);
  add("long conversation", {sys, u1, a1, u2, a2, msg("user", "Italy?"), msg("assistant", "Rome."), msg("user", "Spain?"),
                            msg("assistant", "Madrid."), msg("user", "Thanks!")}, true);
  add("system in the middle", {u1, msg("system", "Be brief."), a1});
  add("unknown role", {msg("narrator", "Once upon a time"), u1});
  add("extra message keys", {{{"role", "user"}, {"content", "hi"}, {"name", "alice"}}}, true);
  add("null content", {msg("user", nullptr)});
  add("trailing whitespace, generation prompt", {msg("user", "question  "), msg("assistant", "answer\n\n"), msg("user", "more ")}, true);

  const ordered_json tools1 = {weather_tool()};
  const ordered_json tools2 = {weather_tool(), search_tool()};
  const ordered_json args = {{"city", "Paris"}, {"unit", "celsius"}};
  const ordered_json weather_call = call("call_abc123x", "get_weather", args);
  const ordered_json weather_call9 = call("abc123XYZ", "get_weather", args);
  const ordered_json string_call9 = call("abc123XYZ", "get_weather", args.dump());
  const ordered_json mixed_args = ordered_json::parse(
      R"({"query": "tokenizer \"merges\"\nline2 é", "limit": 3, "score": 0.25, "exact": true, "fuzzy": false,
          "after": null, "tags": ["a", 1, 2.5e-7], "filters": {"tags": [], "min": -0.001, "big": 1e16}})");
  auto add_tools = [&](std::string name, ordered_json messages, ordered_json tools, bool gen,
                       ordered_json extra = ordered_json::object()) {
    c.push_back({std::move(name), std::move(messages), std::move(tools), gen, std::move(extra)});
  };
  add_tools("tools, single user", {u1}, tools1, false);
  add_tools("tools, single user, generation prompt", {msg("user", "Weather in Paris?")}, tools1, true);
  add_tools("two tools, system + user", {sys, msg("user", "Find the docs on merges")}, tools2, true);
  add_tools("tools, second user turn", {u1, a1, msg("user", "Weather there?")}, tools1, true);
  add_tools("tool call with dict arguments", {msg("user", "Weather in Paris?"), assistant_calls({weather_call9}),
             tool_result("abc123XYZ", "get_weather", "22 degrees and sunny"), msg("assistant", "It is 22 degrees.")},
            tools1, false);
  add_tools("tool call with string arguments", {msg("user", "Weather in Paris?"), assistant_calls({string_call9}),
             tool_result("abc123XYZ", "get_weather", "22")}, tools1, true);
  add_tools("tool call id of 12 characters", {msg("user", "Weather?"), assistant_calls({weather_call}),
             tool_result("call_abc123x", "get_weather", "sunny")}, tools1, true);
  add_tools("tool result with JSON content", {msg("user", "Weather?"), assistant_calls({weather_call9}),
             tool_result("abc123XYZ", "get_weather", R"({"temperature": 22.5, "unit": "celsius", "ok": true})")},
            tools1, true);
  add_tools("mixed argument types", {msg("user", "Search"), assistant_calls({call("abc123XYZ", "search_docs", mixed_args)}),
             tool_result("abc123XYZ", "search_docs", "[]")}, tools2, true);
  add_tools("mixed argument types as a string", {msg("user", "Search"),
             assistant_calls({call("abc123XYZ", "search_docs", mixed_args.dump())})}, tools2, false);
  add_tools("two calls in one message", {msg("user", "Weather in Paris and Rome?"),
             assistant_calls({weather_call9, call("xyz987ABC", "get_weather", {{"city", "Rome"}})}),
             tool_result("abc123XYZ", "get_weather", "22"), tool_result("xyz987ABC", "get_weather", "25")}, tools1, true);
  add_tools("tools with tools_in_user_message=false", {sys, msg("user", "Weather?")}, tools1, true,
            {{"tools_in_user_message", false}});
  add_tools("tools with date_string", {msg("user", "Weather?")}, tools1, true, {{"date_string", "01 Jan 2025"}});
  add_tools("tools, system, date and not in user message", {sys, u1, a1, msg("user", "Weather?")}, tools2, true,
            {{"tools_in_user_message", false}, {"date_string", "29 Feb 2024"}});
  add_tools("tool descriptions in unicode", {msg("user", "天气?")},
            {{{"type", "function"}, {"function", {{"name", "wetter"}, {"description", "Das Wetter — für Städte ☀"},
                                                   {"parameters", {{"type", "object"}, {"properties", ordered_json::object()}}}}}}},
            true);
  add_tools("tool call with empty content", {msg("user", "Weather?"), assistant_calls({weather_call9}, ""),
             tool_result("abc123XYZ", "get_weather", "sunny")}, tools1, true);
  add_tools("empty tools list", {u1}, ordered_json::array(), true);
  add_tools("tool result without name", {msg("user", "Weather?"), assistant_calls({weather_call9}),
             {{"role", "tool"}, {"tool_call_id", "abc123XYZ"}, {"content", "rain"}}, msg("assistant", "Rain.")}, tools1,
            false);
  add_tools("builtin tools", {msg("user", "Search the web for llamas"),
             assistant_calls({call("abc123XYZ", "brave_search", {{"query", "llamas"}})}),
             {{"role", "ipython"}, {"content", "Llamas are camelids."}}}, nullptr, true,
            {{"builtin_tools", {"brave_search", "wolfram_alpha"}}});
  add_tools("custom_tools kwarg", {msg("user", "Weather?")}, nullptr, true, {{"custom_tools", tools1}});
  add_tools("arguments with quotes and newlines", {msg("user", "Say it"),
             assistant_calls({call("abc123XYZ", "search_docs", {{"query", "he said \"hi\"\n\t\\ ok"}})})}, tools2, false);
  add_tools("tools and a system message only", {sys}, tools1, true);
  add_tools("tool turn then user", {msg("user", "Weather?"), assistant_calls({weather_call9}),
             tool_result("abc123XYZ", "get_weather", "sunny"), msg("assistant", "Sunny."), msg("user", "Thanks")},
            tools1, true);
  add_tools("tools with no messages", ordered_json::array(), tools1, true);
  return c;
}

std::vector<FixtureTemplate> fixture_templates() {
  const fs::path root = fs::path(LLMCP_SOURCE_DIR) / "tests/fixtures/hf-files";
  std::vector<FixtureTemplate> out;
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    const std::string rel = fs::relative(p, root).string();
    if (p.filename() == "chat_template.jinja") {
      out.push_back({rel, read_file(p), special_tokens_for(p.parent_path(), root)});
    } else if (p.filename() == "tokenizer_config.json") {
      const ordered_json config = ordered_json::parse(read_file(p));
      const ordered_json special = special_tokens_for(p.parent_path(), root);
      const auto& ct = config.contains("chat_template") ? config["chat_template"] : ordered_json();
      if (ct.is_string()) out.push_back({rel, ct.get<std::string>(), special});
      if (ct.is_array()) {
        for (const auto& named : ct) {
          out.push_back({rel + " [" + named["name"].get<std::string>() + "]", named["template"].get<std::string>(), special});
        }
      }
    }
  }
  const fs::path builtin = fs::path(LLMCP_SOURCE_DIR) / "src/tokenizer/chat/templates";
  std::vector<fs::path> builtins;
  for (const auto& e : fs::directory_iterator(builtin)) {
    if (e.path().extension() == ".jinja") builtins.push_back(e.path());
  }
  std::sort(builtins.begin(), builtins.end());
  for (const auto& p : builtins) {
    out.push_back({"built-in " + p.filename().string(), read_file(p),
                   {{"bos_token", "<s>"}, {"eos_token", "</s>"}, {"unk_token", "<unk>"}}});
  }
  return out;
}

}  // namespace llmcp::tokenizer::chat::testing

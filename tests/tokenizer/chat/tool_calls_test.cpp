// Tool-call parsing: the exact text each real chat template renders for an assistant tool call,
// hand-written variants per style, what is rejected, and a fuzz test that corrupts valid outputs
// and checks the parser never throws and never returns half-parsed calls.
#include "tokenizer/chat/tool_calls.h"

#include <gtest/gtest.h>

#include <random>

#include "core/atomic_file.h"
#include "core/error.h"

namespace llmcp::tokenizer::chat {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

const fs::path kFixtures = fs::path(LLMCP_SOURCE_DIR) / "tests/fixtures/hf-files";
const Json kWeatherArgs = Json::parse(R"({"location": "Paris, France", "unit": "celsius"})");

ParsedOutput parse(std::string_view s, ToolCallStyle style) { return parse_tool_calls(s, style); }

void expect_unchanged(std::string_view s, ToolCallStyle style) {
  const ParsedOutput out = parse(s, style);
  EXPECT_TRUE(out.calls.empty()) << style_name(style) << ": " << s;
  EXPECT_EQ(out.content, s);
}

void expect_weather(const ParsedOutput& out, std::string_view content = "", std::string_view id = "") {
  ASSERT_EQ(out.calls.size(), 1u) << out.content;
  EXPECT_EQ(out.calls[0].name, "get_weather");
  EXPECT_EQ(out.calls[0].arguments, kWeatherArgs);
  EXPECT_EQ(out.calls[0].id, id);
  EXPECT_EQ(out.content, content);
}

// ---- Llama 3.1 -------------------------------------------------------------------------------

// meta-llama--Llama-3.1-8B-Instruct/chat_template.jinja, assistant message with one tool_call and
// no builtin_tools: '{"name": "' + name + '", ' + '"parameters": ' + arguments|tojson + "}" then
// "<|eot_id|>" (checked once against Python jinja2 with HF's tojson).
constexpr std::string_view kLlamaRendered =
    R"({"name": "get_weather", "parameters": {"location": "Paris, France", "unit": "celsius"}}<|eot_id|>)";

TEST(Llama3Json, ParsesTheRealTemplateRendering) { expect_weather(parse(kLlamaRendered, ToolCallStyle::kLlama3Json)); }

TEST(Llama3Json, AcceptsPythonTagEomAliasAndWhitespace) {
  const auto style = ToolCallStyle::kLlama3Json;
  expect_weather(parse(R"(<|python_tag|>{"name": "get_weather", "parameters": {"location": "Paris, France", "unit": "celsius"}}<|eom_id|>)", style));
  expect_weather(parse(R"({"name":"get_weather","arguments":{"location":"Paris, France","unit":"celsius"}})", style));
  expect_weather(parse("\n  {\n    \"name\": \"get_weather\",\n    \"parameters\": {\n      \"location\": \"Paris, France\",\n"
                       "      \"unit\": \"celsius\"\n    }\n  }\n\n",
                       style));
  expect_weather(parse(R"(Let me look that up.<|python_tag|>{"name": "get_weather", "parameters": {"location": "Paris, France", "unit": "celsius"}})", style),
                 "Let me look that up.");
  // arguments given as a JSON string holding an object
  expect_weather(parse(R"({"name": "get_weather", "parameters": "{\"location\": \"Paris, France\", \"unit\": \"celsius\"}"})", style));
}

TEST(Llama3Json, SplitsCallsOnSemicolons) {
  const ParsedOutput out = parse(R"({"name": "a", "parameters": {}}; {"name": "b", "parameters": {"z": 1, "a": [2, {"k": null}]}};)",
                                 ToolCallStyle::kLlama3Json);
  ASSERT_EQ(out.calls.size(), 2u);
  EXPECT_EQ(out.calls[0].name, "a");
  EXPECT_EQ(out.calls[0].arguments, Json::object());
  EXPECT_EQ(out.calls[1].name, "b");
  EXPECT_EQ(out.calls[1].arguments.dump(), R"({"z":1,"a":[2,{"k":null}]})");  // key order kept
  EXPECT_EQ(out.content, "");
}

TEST(Llama3Json, LeavesAnythingElseAsContent) {
  for (const char* s : {
           "The weather in Paris is sunny.",
           "",
           R"({"answer": 42})",                                                      // JSON, but no name
           R"(Sure: {"name": "get_weather", "parameters": {}})",                      // text before, no tag
           R"({"name": "get_weather", "parameters": {}} and more text)",              // text after
           R"({"name": "get_weather", "parameters": {}} {"name": "f", "parameters": {}})",  // no ';'
           R"(<|python_tag|>brave_search.call(query="paris"))",                       // built-in tool syntax
           R"({"name": "get_weather"})",                                              // no arguments
           R"({"name": "get_weather", "parameters": [1]})",
           R"({"name": "get_weather", "parameters": "[1]"})",
           R"({"name": "get_weather", "parameters": "{\"a\": 1} x"})",
           R"({"name": 7, "parameters": {}})",
           R"({"name": "", "parameters": {}})",
           R"({"name": "a", "parameters": {}}; {"name": 1, "parameters": {}})",     // one bad call spoils all
           R"({"name": "get_weather", "parameters": {"location": "Par)",              // truncated
       }) {
    expect_unchanged(s, ToolCallStyle::kLlama3Json);
  }
}

// ---- Mistral ---------------------------------------------------------------------------------

// mistralai--Mistral-7B-Instruct-v0.3/revisions/tools-template_huggingface.js: ' [TOOL_CALLS] [' +
// {"name", "arguments", "id"}|tojson + '] ' + eos_token, after the prompt's ' [/INST]'.
constexpr std::string_view kMistralHfRendered =
    R"( [TOOL_CALLS] [{"name": "get_weather", "arguments": {"location": "Paris, France", "unit": "celsius"}, "id": "abc123DEF"}] </s>)";
// .../revisions/v3-tools-template_openvino.genai: "[TOOL_CALLS] [" + function|tojson minus its '}' +
// ', "id": "' + id + '"}', joined by ", ", then "]" + eos_token. The second call's arguments were an
// OpenAI-style JSON string, which the template passes through as a string.
constexpr std::string_view kMistralV3Rendered =
    R"([TOOL_CALLS] [{"name": "get_weather", "arguments": {"location": "Paris, France", "unit": "celsius"}, "id": "abc123DEF"}, )"
    R"({"name": "get_time", "arguments": "{\"tz\": \"CET\"}", "id": "xyz789GHI"}]</s>)";

TEST(Mistral, ParsesTheRealTemplateRenderings) {
  expect_weather(parse(kMistralHfRendered, ToolCallStyle::kMistral), "", "abc123DEF");
  const ParsedOutput out = parse(kMistralV3Rendered, ToolCallStyle::kMistral);
  ASSERT_EQ(out.calls.size(), 2u);
  EXPECT_EQ(out.calls[0].arguments, kWeatherArgs);
  EXPECT_EQ(out.calls[0].id, "abc123DEF");
  EXPECT_EQ(out.calls[1].name, "get_time");
  EXPECT_EQ(out.calls[1].arguments, Json({{"tz", "CET"}}));
  EXPECT_EQ(out.calls[1].id, "xyz789GHI");
  EXPECT_EQ(out.content, "");
}

TEST(Mistral, KeepsContentBeforeTheTagAndAcceptsVariants) {
  const auto style = ToolCallStyle::kMistral;
  expect_weather(parse("I will check.\n[TOOL_CALLS][{\"name\":\"get_weather\",\"arguments\":{\"location\":\"Paris, France\","
                       "\"unit\":\"celsius\"}}]",
                       style),
                 "I will check.");
  // a lone object, no list; an id that is not a string is dropped
  expect_weather(parse(R"([TOOL_CALLS] {"name": "get_weather", "arguments": {"location": "Paris, France", "unit": "celsius"}, "id": 5}</s>)", style));
}

TEST(Mistral, LeavesAnythingElseAsContent) {
  for (const char* s : {
           "Paris is sunny today.</s>",
           "[TOOL_CALLS]",
           "[TOOL_CALLS] []",
           "[TOOL_CALLS] [1, 2]",
           R"([TOOL_CALLS] [{"name": "f", "arguments": {}}] trailing words)",
           R"([TOOL_CALLS] [{"name": "f", "arguments": {}}][TOOL_CALLS] [{"name": "g", "arguments": {}}])",
           R"([TOOL_CALLS] [{"name": "f", "arguments": {}}, {"arguments": {}}])",
           R"([TOOL_CALLS] [{"name": "f", "arguments": null}])",
           R"([TOOL_CALLS] [{"name": "f", "arguments": {}})",
       }) {
    expect_unchanged(s, ToolCallStyle::kMistral);
  }
}

// ---- Hermes / ChatML -------------------------------------------------------------------------

// Qwen2.5-Instruct's chat_template (quoted in BFCL's Qwen handler; Qwen2-7B-Instruct's fixture has
// no tool support): '<|im_start|>assistant' + ('\n' + content if content) + per call
// '\n<tool_call>\n{"name": "' + name + '", "arguments": ' + arguments|tojson + '}\n</tool_call>'
// + '<|im_end|>\n'. The generation prompt is '<|im_start|>assistant\n', so with no content the
// model's text starts at '<tool_call>'.
constexpr std::string_view kQwenRendered =
    "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Paris, France\", \"unit\": \"celsius\"}}\n</tool_call><|im_end|>";

TEST(Hermes, ParsesTheRealTemplateRendering) { expect_weather(parse(kQwenRendered, ToolCallStyle::kHermes)); }

TEST(Hermes, ParsesSeveralBlocksWithContentAndWhitespaceVariants) {
  const ParsedOutput out = parse(
      "Let me check both.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Paris, France\", \"unit\": \"celsius\"}}\n</tool_call>\n"
      "<tool_call>{\"arguments\": \"{\\\"tz\\\": \\\"CET\\\"}\", \"name\": \"get_time\"}</tool_call>\n"
      "<tool_call>  {\"name\": \"echo\", \"arguments\": {\"text\": \"</tool_call> <tool_call>\"}}  \n\n</tool_call>",
      ToolCallStyle::kHermes);
  ASSERT_EQ(out.calls.size(), 3u);
  EXPECT_EQ(out.content, "Let me check both.");
  EXPECT_EQ(out.calls[0].arguments, kWeatherArgs);
  EXPECT_EQ(out.calls[1].name, "get_time");  // Hermes-2-Pro puts "arguments" first
  EXPECT_EQ(out.calls[1].arguments, Json({{"tz", "CET"}}));
  EXPECT_EQ(out.calls[2].arguments["text"], "</tool_call> <tool_call>");  // tags inside strings are data
}

TEST(Hermes, LeavesAnythingElseAsContent) {
  for (const char* s : {
           "No tools needed: it is sunny.",
           "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n",                  // unclosed
           "<tool_call></tool_call>",
           "<tool_call>{\"name\": \"f\", \"arguments\": {}} extra</tool_call>",
           "<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call></tool_call>",  // stray close
           "</tool_call> <tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>",
           "<tool_call>{\"name\": \"f\"}</tool_call>",
           "<tool_call>[{\"name\": \"f\", \"arguments\": {}}]</tool_call>",
           "<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call><tool_call>{\"name\": \"g\", \"arguments\": 3}</tool_call>",
       }) {
    expect_unchanged(s, ToolCallStyle::kHermes);
  }
}

// ---- Hostile input ---------------------------------------------------------------------------

constexpr ToolCallStyle kStyles[] = {ToolCallStyle::kLlama3Json, ToolCallStyle::kMistral, ToolCallStyle::kHermes};

std::string wrap(ToolCallStyle style, const std::string& call) {
  switch (style) {
    case ToolCallStyle::kLlama3Json: return call;
    case ToolCallStyle::kMistral: return "[TOOL_CALLS] [" + call + "]";
    case ToolCallStyle::kHermes: return "<tool_call>\n" + call + "\n</tool_call>";
  }
  return "";
}

std::string nested(int depth) {
  std::string s = R"({"name": "f", "arguments": )";
  for (int i = 1; i < depth; ++i) s += R"({"a": )";
  s += "1";
  for (int i = 1; i < depth; ++i) s += "}";
  return s + "}";
}

TEST(ToolCallsHostile, RejectsInvalidUtf8AndDeepNesting) {
  for (const auto style : kStyles) {
    const std::string ok = wrap(style, R"({"name": "f", "arguments": {"s": "caf\u00e9 é"}})");
    EXPECT_EQ(parse(ok, style).calls.size(), 1u) << style_name(style);
    for (const std::string bad : {"\xff", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82"}) {
      expect_unchanged(wrap(style, R"({"name": "f", "arguments": {"s": ")" + bad + "\"}}"), style);
      expect_unchanged(bad + wrap(style, R"({"name": "f", "arguments": {}})"), style);
    }
    EXPECT_EQ(parse(wrap(style, nested(60)), style).calls.size(), 1u) << style_name(style);
    expect_unchanged(wrap(style, nested(70)), style);
    expect_unchanged(wrap(style, std::string(1 << 20, '[')), style);
    expect_unchanged(wrap(style, R"({"name": "f", "arguments": )" + std::string(1 << 20, '{')), style);
  }
}

TEST(ToolCallsHostile, HugeInputsStayLinear) {
  std::string many_keys = R"({"name": "f", "arguments": {)";
  for (int i = 0; i < 200000; ++i) many_keys += "\"k" + std::to_string(i) + "\": 0,";
  many_keys.back() = '}';
  many_keys += "}";
  const std::string big_value = R"({"name": "f", "arguments": {"text": ")" + std::string(2 << 20, 'x') + "\"}}";
  std::string many_calls;
  for (int i = 0; i < 20000; ++i) many_calls += wrap(ToolCallStyle::kHermes, R"({"name": "f", "arguments": {"i": 1}})");
  for (const auto style : kStyles) {
    expect_unchanged(wrap(style, many_keys), style);  // more key comparisons than ordered_json can afford
    const ParsedOutput big = parse(wrap(style, big_value), style);
    ASSERT_EQ(big.calls.size(), 1u);
    EXPECT_EQ(big.calls[0].arguments["text"].get_ref<const std::string&>().size(), std::size_t{2} << 20);
    expect_unchanged(std::string(4 << 20, '<') + "tool_call>", style);
  }
  EXPECT_EQ(parse(many_calls, ToolCallStyle::kHermes).calls.size(), 20000u);
}

TEST(ToolCallsHostile, KeyBudgetIsSharedByAllCallsOfAnOutput) {
  std::string call = R"({"name": "f", "arguments": {)";
  for (int i = 0; i < 3000; ++i) call += "\"k" + std::to_string(i) + "\": 0,";
  call.back() = '}';
  call += "}";
  for (const auto style : kStyles) EXPECT_EQ(parse(wrap(style, call), style).calls.size(), 1u);  // one is fine
  std::string llama, mistral = "[TOOL_CALLS] [", hermes;
  for (int i = 0; i < 100; ++i) {  // a hundred are not: each alone would fit a per-call budget
    llama += (i ? ";" : "") + call;
    mistral += (i ? "," : "") + call;
    hermes += wrap(ToolCallStyle::kHermes, call);
  }
  expect_unchanged(llama, ToolCallStyle::kLlama3Json);
  expect_unchanged(mistral + "]", ToolCallStyle::kMistral);
  expect_unchanged(hermes, ToolCallStyle::kHermes);
}

// ---- Fuzz ------------------------------------------------------------------------------------

// Valid outputs of each style that the fuzzer corrupts.
std::vector<std::string> seeds(ToolCallStyle style) {
  switch (style) {
    case ToolCallStyle::kLlama3Json:
      return {std::string(kLlamaRendered),
              R"(<|python_tag|>{"name": "a", "parameters": {"x": [1, 2.5e3, true, null]}}; {"name": "b", "arguments": "{\"q\": \"\\u00e9\"}"}<|eom_id|>)"};
    case ToolCallStyle::kMistral:
      return {std::string(kMistralHfRendered), std::string(kMistralV3Rendered),
              "Checking.[TOOL_CALLS] {\"name\": \"f\", \"arguments\": {\"a\": {\"b\": [\"c\"]}}}"};
    case ToolCallStyle::kHermes:
      return {std::string(kQwenRendered),
              "Text\n<tool_call>\n{\"name\": \"f\", \"arguments\": {\"s\": \"</tool_call>\"}}\n</tool_call>\n<tool_call>{\"name\": \"g\", "
              "\"arguments\": \"{}\"}</tool_call>"};
  }
  return {};
}

class Mutator {
 public:
  explicit Mutator(std::uint32_t seed) : rng_(seed) {}

  std::string mutate(std::string s) {
    const int n = 1 + pick(3);
    for (int i = 0; i < n; ++i) mutate_once(s);
    return s;
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::size_t pos(const std::string& s) { return static_cast<std::size_t>(pick(static_cast<int>(s.size()) + 1)); }

  void mutate_once(std::string& s) {
    static const std::string kSyntax = "{}[]\":,;\\<>/";
    static const std::vector<std::string> kInserts = {
        std::string(1, '\0'), "\xff", "\xc3", "\xed\xa0\x80", "\xf0\x9f\x98", "\x80", "<tool_call>", "</tool_call>",
        "[TOOL_CALLS]", "<|python_tag|>", "</s>", "<|eot_id|>", std::string(200, '['), std::string(100, '{'),
        R"({"name": "x", "arguments": {}})", "\\u", "\\ud800", "1e999", "\"name\": 3,"};
    switch (pick(7)) {
      case 0:  // flip bits of one byte
        if (!s.empty()) s[pos(s) % s.size()] ^= static_cast<char>(1 + pick(255));
        break;
      case 1:  // truncate
        s.resize(pos(s));
        break;
      case 2:  // delete one bracket or quote
      case 3: {  // duplicate one
        std::vector<std::size_t> at;
        for (std::size_t i = 0; i < s.size(); ++i) {
          if (kSyntax.find(s[i]) != std::string::npos) at.push_back(i);
        }
        if (at.empty()) break;
        const std::size_t i = at[static_cast<std::size_t>(pick(static_cast<int>(at.size())))];
        if (pick(2) == 0) s.erase(i, 1); else s.insert(i, 1, s[i]);
        break;
      }
      case 4:  // insert NUL, invalid UTF-8, tags, deep nesting
        s.insert(pos(s), kInserts[static_cast<std::size_t>(pick(static_cast<int>(kInserts.size())))]);
        break;
      case 5:  // insert a syntax character
        s.insert(pos(s), 1, kSyntax[static_cast<std::size_t>(pick(static_cast<int>(kSyntax.size())))]);
        break;
      default:  // duplicate a slice
        if (!s.empty()) {
          const std::size_t a = pos(s) % s.size();
          s.insert(pos(s), s.substr(a, static_cast<std::size_t>(1 + pick(40))));
        }
    }
  }

  std::mt19937 rng_;
};

// Either well-formed calls or nothing parsed and the text handed back unchanged.
void check_invariant(const std::string& input, ToolCallStyle style, int& parsed, int& rejected) {
  ParsedOutput out;
  ASSERT_NO_THROW(out = parse_tool_calls(input, style)) << style_name(style);
  if (out.calls.empty()) {
    ASSERT_EQ(out.content, input);
    ++rejected;
    return;
  }
  ++parsed;
  for (const ToolCall& c : out.calls) {
    ASSERT_FALSE(c.name.empty());
    ASSERT_TRUE(c.arguments.is_object());
    ASSERT_NO_THROW((void)c.arguments.dump());  // valid UTF-8 throughout
  }
}

TEST(ToolCallsFuzz, CorruptedOutputsNeverThrowOrHalfParse) {
  std::uint32_t seed = 1;
  for (const auto style : kStyles) {
    int parsed = 0, rejected = 0, cases = 0;
    for (const std::string& valid : seeds(style)) {
      ASSERT_FALSE(parse(valid, style).calls.empty()) << valid;
      for (std::size_t n = 0; n <= valid.size(); ++n, ++cases) check_invariant(valid.substr(0, n), style, parsed, rejected);
      Mutator m(seed++);
      for (int i = 0; i < 1500; ++i, ++cases) check_invariant(m.mutate(valid), style, parsed, rejected);
    }
    EXPECT_GE(cases, 3000) << style_name(style);
    EXPECT_GT(parsed, 0) << style_name(style);
    EXPECT_GT(rejected, 1000) << style_name(style);
  }
}

// ---- Style detection -------------------------------------------------------------------------

TEST(DetectToolCallStyle, ReadsTheRealTemplates) {
  const auto detect = [](const std::string& rel) { return detect_tool_call_style(core::read_file(kFixtures / rel)); };
  const std::string mistral3 = "mistralai--Mistral-7B-Instruct-v0.3/";
  EXPECT_EQ(detect("meta-llama--Llama-3.1-8B-Instruct/chat_template.jinja"), ToolCallStyle::kLlama3Json);
  EXPECT_EQ(detect(mistral3 + "revisions/tools-template_huggingface.js/chat_template.jinja"), ToolCallStyle::kMistral);
  EXPECT_EQ(detect(mistral3 + "revisions/v3-tools-template_openvino.genai/chat_template.jinja"), ToolCallStyle::kMistral);
  // v0.3's tokenizer_config.json: its template has no tools, but its vocabulary has [TOOL_CALLS]
  EXPECT_EQ(detect(mistral3 + "tokenizer_config.json"), ToolCallStyle::kMistral);
  EXPECT_EQ(detect_tool_call_style("{{- '\\n<tool_call>\\n{\"name\": \"' }}"), ToolCallStyle::kHermes);
  EXPECT_EQ(detect_tool_call_style("Environment: ipython ... \"parameters\": dictionary"), ToolCallStyle::kLlama3Json);
  for (const char* rel : {"Qwen--Qwen2-7B-Instruct/chat_template.jinja", "meta-llama--Llama-2-7b-chat-hf/chat_template.jinja",
                          "meta-llama--Meta-Llama-3-8B-Instruct/tokenizer_config.json",
                          "mistralai--Mistral-7B-Instruct-v0.1/tokenizer_config.json"}) {
    EXPECT_EQ(detect(rel), std::nullopt) << rel;
  }
}

TEST(StyleName, NamesEachStyleAndRejectsOthers) {
  EXPECT_EQ(style_name(ToolCallStyle::kLlama3Json), "llama3_json");
  EXPECT_EQ(style_name(ToolCallStyle::kMistral), "mistral");
  EXPECT_EQ(style_name(ToolCallStyle::kHermes), "hermes");
  EXPECT_THROW(style_name(static_cast<ToolCallStyle>(42)), core::Error);
  EXPECT_THROW(parse_tool_calls("x", static_cast<ToolCallStyle>(42)), core::Error);
}

}  // namespace
}  // namespace llmcp::tokenizer::chat

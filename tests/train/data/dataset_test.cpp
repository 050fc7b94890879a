// The formats on real models: a tool_calls or chat record gives exactly the ids of the text that
// Python's jinja2 renders from the same conversation with the model's real template (Llama-3.1,
// Mistral v0.3 tools), and trains on exactly the assistant's bytes; instruction pairs go through
// Llama-2's template, or the Alpaca prompt when a folder has no template; text gets BOS and EOS.
#include <gtest/gtest.h>

#include <regex>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data_test_util.h"
#include "tokenizer/chat/jinja_reference.h"
#include "tokenizer/chat/training_view.h"
#include "train/data/conversation.h"
#include "train/data/dataset.h"

namespace llmcp::data {
namespace {

using nlohmann::ordered_json;
using namespace llmcp::data::testing;

// What Python's jinja2 renders (transformers' environment) for one conversation.
std::string jinja2(const fs::path& template_file, const ordered_json& messages, const ordered_json& tools,
                   const DataContext& ctx) {
  ordered_json c = {{"template", core::read_file(template_file)},
                    {"messages", messages},
                    {"tools", tools},
                    {"add_generation_prompt", false},
                    {"special", tokenizer::chat::special_tokens_of(ctx.tokenizer())}};
  const auto out = tokenizer::chat::testing::python_render(ordered_json::array({c}));
  if (!out[0].text) throw std::runtime_error("jinja2 failed: " + out[0].error);
  return *out[0].text;
}

ordered_json rec(const char* json) { return ordered_json::parse(json); }

ordered_json weather_tools() {
  return rec(R"([{"type": "function", "function": {"name": "get_weather", "description": "Current weather in a city",
      "parameters": {"type": "object", "properties": {"location": {"type": "string"},
      "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["location"]}}}])");
}

// The assistant's call, written by hand in OpenAI's shape (independent of conversation_of).
ordered_json call_message(const std::string& id = "") {
  ordered_json call = {{"type", "function"},
                       {"function", {{"name", "get_weather"}, {"arguments", {{"location", "Tokyo"}, {"unit", "celsius"}}}}}};
  if (!id.empty()) call["id"] = id;
  return {{"role", "assistant"}, {"content", ""}, {"tool_calls", ordered_json::array({call})}};
}

const char* kToolRecord =
    R"({"input": "What's the weather in Tokyo?", "output": "", "tool_calls": [{"name": "get_weather", "arguments": {"location": "Tokyo", "unit": "celsius"}}]})";

class Llama31Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    DataOptions o;
    o.template_name = llama31_template().string();
    ctx_ = new DataContext(DataContext::from_model_dir(llama31_tokenizer_dir(), o));
  }
  static void TearDownTestSuite() { delete ctx_; }
  static DataContext* ctx_;
};
DataContext* Llama31Test::ctx_ = nullptr;

TEST_F(Llama31Test, ToolCallRecordIsJinja2sTextAndTrainsOnTheCall) {
  const DataContext& ctx = *ctx_;
  EXPECT_EQ(ctx.tool_call_style(), "llama3_json");
  const Example e = ctx.encode_record(rec(kToolRecord), DataFormat::kToolCalls);
  const ordered_json messages = {{{"role", "user"}, {"content", "What's the weather in Tokyo?"}}, call_message()};
  const std::string text = jinja2(llama31_template(), messages, nullptr, ctx);
  EXPECT_EQ(e.ids, ctx.tokenizer().encode(text, false));
  EXPECT_EQ(target_runs(ctx.tokenizer(), text, e),
            std::vector<std::string>{R"({"name": "get_weather", "parameters": {"location": "Tokyo", "unit": "celsius"}}<|eot_id|>)"});

  // With a system prompt, tools, and the arguments as a JSON string (OpenAI's habit).
  ordered_json r = rec(kToolRecord);
  r["system"] = "You are a weather bot.";
  r["tools"] = weather_tools();
  r["tool_calls"][0]["arguments"] = R"({"location": "Tokyo", "unit": "celsius"})";
  const Example with_tools = ctx.encode_record(r, DataFormat::kToolCalls);
  ordered_json m2 = messages;
  m2.insert(m2.begin(), ordered_json{{"role", "system"}, {"content", "You are a weather bot."}});
  const std::string text2 = jinja2(llama31_template(), m2, weather_tools(), ctx);
  EXPECT_NE(text2.find("\"name\": \"get_weather\",\n        \"description\""), std::string::npos) << text2;
  EXPECT_EQ(with_tools.ids, ctx.tokenizer().encode(text2, false));
  EXPECT_EQ(target_runs(ctx.tokenizer(), text2, with_tools),
            std::vector<std::string>{R"({"name": "get_weather", "parameters": {"location": "Tokyo", "unit": "celsius"}}<|eot_id|>)"});
}

TEST_F(Llama31Test, ChatWithToolResultTrainsOnBothAssistantTurns) {
  const DataContext& ctx = *ctx_;
  ordered_json r = rec(R"({"messages": [
      {"role": "system", "content": "Answer briefly."},
      {"role": "user", "content": "Weather in Tokyo?"},
      {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
        "function": {"name": "get_weather", "arguments": "{\"location\": \"Tokyo\", \"unit\": \"celsius\"}"}}]},
      {"role": "tool", "tool_call_id": "call_1", "content": "{\"temp\": 21, \"sky\": \"clear\"}"},
      {"role": "assistant", "content": "It is 21 °C and clear in Tokyo."}], "source": "synthetic"})");
  r["tools"] = weather_tools();
  const Example e = ctx.encode_record(r, DataFormat::kChat);
  ordered_json messages = r["messages"];
  messages[2]["tool_calls"][0]["function"]["arguments"] = {{"location", "Tokyo"}, {"unit", "celsius"}};
  const std::string text = jinja2(llama31_template(), messages, weather_tools(), ctx);
  EXPECT_EQ(e.ids, ctx.tokenizer().encode(text, false));
  EXPECT_EQ(target_runs(ctx.tokenizer(), text, e),
            (std::vector<std::string>{R"({"name": "get_weather", "parameters": {"location": "Tokyo", "unit": "celsius"}}<|eot_id|>)",
                                      "It is 21 °C and clear in Tokyo.<|eot_id|>"}));

  // Evaluation: the prompt is everything before the call, with the generation prompt.
  const auto tc = ctx.tool_call_case(r, DataFormat::kChat);
  ASSERT_TRUE(tc.has_value());
  EXPECT_EQ(tc->expected, rec(R"([{"name": "get_weather", "arguments": {"location": "Tokyo", "unit": "celsius"}}])"));
  const std::string prompt = ctx.tokenizer().decode(tc->prompt);
  EXPECT_TRUE(prompt.ends_with("Weather in Tokyo?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")) << prompt;
}

TEST_F(Llama31Test, LoadsTheSampleFiles) {
  for (const char* name : {"chat.jsonl", "instruction.jsonl", "text.jsonl"}) {
    const Dataset ds = ctx_->load(llmcp::testing::source_dir() / "examples/data" / name);
    EXPECT_EQ(ds.skipped, 0) << name << ": " << (ds.errors.empty() ? "" : ds.errors[0].reason);
    EXPECT_GE(ds.used, 5) << name;
  }
}

TEST(MistralV3Test, ToolCallRecordIsJinja2sTextWithADerivedCallId) {
  DataOptions o;
  o.template_name = mistral_v3_tools_template().string();
  const DataContext ctx = DataContext::from_model_dir(mistral_v3(), o);
  EXPECT_EQ(ctx.tool_call_style(), "mistral");
  const Example e = ctx.encode_record(rec(kToolRecord), DataFormat::kToolCalls);
  // The template requires a 9-character id; the record has none, so one is derived from it.
  const std::string id = conversation_of(rec(kToolRecord), DataFormat::kToolCalls).messages[1]["tool_calls"][0]["id"];
  EXPECT_TRUE(std::regex_match(id, std::regex("[A-Za-z0-9]{9}"))) << id;
  const ordered_json messages = {{{"role", "user"}, {"content", "What's the weather in Tokyo?"}}, call_message(id)};
  const std::string text = jinja2(mistral_v3_tools_template(), messages, nullptr, ctx);
  EXPECT_EQ(e.ids, ctx.tokenizer().encode(text, false));
  EXPECT_EQ(target_runs(ctx.tokenizer(), text, e),
            std::vector<std::string>{R"([TOOL_CALLS] [{"name": "get_weather", "arguments": {"location": "Tokyo", "unit": "celsius"}, "id": ")" +
                                     id + "\"}]</s>"});
  // The built-in copy of that template, chosen by name, gives the same example.
  o.template_name = "mistral-v3-tools";
  EXPECT_EQ(DataContext::from_model_dir(mistral_v3(), o).encode_record(rec(kToolRecord), DataFormat::kToolCalls).ids, e.ids);
}

TEST(MistralV3Test, LoadsTheSampleFiles) {
  DataOptions o;
  o.template_name = mistral_v3_tools_template().string();
  const DataContext ctx = DataContext::from_model_dir(mistral_v3(), o);
  for (const char* name : {"instruction.jsonl", "text.jsonl"}) {
    const Dataset ds = ctx.load(llmcp::testing::source_dir() / "examples/data" / name);
    EXPECT_EQ(ds.skipped, 0) << name << ": " << (ds.errors.empty() ? "" : ds.errors[0].reason);
  }
  // This template writes the system prompt into the last message only when that message is the
  // user's, so a system prompt before a final assistant turn vanishes from the text and the turn
  // cannot be located: those lines (and only those) are refused, saying so.
  const Dataset chat = ctx.load(llmcp::testing::source_dir() / "examples/data/chat.jsonl");
  EXPECT_EQ(chat.used, 5);
  for (const auto& e : chat.errors) {
    EXPECT_TRUE(e.line == 1 || e.line == 6) << e.line;
    EXPECT_NE(e.reason.find("so that the text before it changes"), std::string::npos) << e.reason;
  }
}

TEST(MistralV3Test, ChatWithToolResult) {
  DataOptions o;
  o.template_name = mistral_v3_tools_template().string();
  const DataContext ctx = DataContext::from_model_dir(mistral_v3(), o);
  const ordered_json r = rec(R"({"messages": [{"role": "user", "content": "What's the weather in Tokyo?"},
      {"role": "assistant", "tool_calls": [{"id": "abcDEF123", "type": "function", "function": {"name": "get_weather",
        "arguments": {"location": "Tokyo", "unit": "celsius"}}}]},
      {"role": "tool", "tool_call_id": "abcDEF123", "content": "{\"temp\": 21}"},
      {"role": "assistant", "content": "It is 21 degrees."}]})");
  const Example e = ctx.encode_record(r, DataFormat::kChat);
  const std::string text = jinja2(mistral_v3_tools_template(), r["messages"], nullptr, ctx);
  EXPECT_EQ(e.ids, ctx.tokenizer().encode(text, false));
  EXPECT_EQ(target_runs(ctx.tokenizer(), text, e),
            (std::vector<std::string>{
                R"([TOOL_CALLS] [{"name": "get_weather", "arguments": {"location": "Tokyo", "unit": "celsius"}, "id": "abcDEF123"}]</s>)",
                " It is 21 degrees.</s>"}));
}

TEST(InstructionTest, UsesTheBuiltInLlama2TemplateOfALlamaModel) {
  const DataContext ctx = DataContext::from_model_dir(llama2());
  ASSERT_TRUE(ctx.has_chat_template());
  EXPECT_EQ(ctx.chat_template_origin(), "built-in llama-2");
  const Example e = ctx.encode_record(rec(R"({"instruction": "Add the numbers", "input": "2 and 3", "output": "The sum is 5."})"),
                                      DataFormat::kInstruction);
  const ordered_json messages = {{{"role", "user"}, {"content", "Add the numbers\n\n2 and 3"}},
                                 {{"role", "assistant"}, {"content", "The sum is 5."}}};
  const std::string text =
      jinja2(llmcp::testing::source_dir() / "tests/fixtures/hf-files/meta-llama--Llama-2-7b-chat-hf/chat_template.jinja",
             messages, nullptr, ctx);
  EXPECT_EQ(text, "<s>[INST] Add the numbers\n\n2 and 3 [/INST] The sum is 5. </s>");
  EXPECT_EQ(e.ids, ctx.tokenizer().encode(text, false));
  EXPECT_EQ(target_runs(ctx.tokenizer(), text, e), std::vector<std::string>{" The sum is 5. </s>"});
}

TEST(InstructionTest, AlpacaPromptWithoutTemplate) {
  llmcp::testing::TempDir dir;
  const DataContext ctx = DataContext::from_model_dir(llama2_tokenizer_only(dir));
  ASSERT_FALSE(ctx.has_chat_template());
  const auto& tok = ctx.tokenizer();
  const std::string prompt =
      "Below is an instruction that describes a task, paired with an input that provides further context. Write a "
      "response that appropriately completes the request.\n\n### Instruction:\nAdd the numbers\n\n### Input:\n2 and "
      "3\n\n### Response:\n";
  const Example e = ctx.encode_record(rec(R"({"instruction": "Add the numbers", "input": "2 and 3", "output": "The sum is 5."})"),
                                      DataFormat::kInstruction);
  std::vector<int32_t> expected = tok.encode(prompt + "The sum is 5.", true);  // BOS + the whole text, once
  expected.push_back(*tok.special().eos);
  ASSERT_EQ(e.ids, expected);
  EXPECT_EQ(e.ids.front(), *tok.special().bos);
  EXPECT_EQ(tok.decode(e.ids, /*skip_special_tokens=*/true), prompt + "The sum is 5.");
  EXPECT_EQ(decode_where(tok, e, true), "The sum is 5.</s>");
  EXPECT_EQ(decode_where(tok, e, false), "<s> " + prompt);
  // The mask is one run: from the response's first token to EOS.
  const auto first = std::find(e.mask.begin(), e.mask.end(), 1);
  EXPECT_TRUE(std::all_of(first, e.mask.end(), [](uint8_t m) { return m == 1; }));

  const Example no_input = ctx.encode_record(rec(R"({"instruction": "Say hi", "input": "", "output": "Hi!"})"),
                                             DataFormat::kInstruction);
  EXPECT_EQ(tok.decode(no_input.ids, true),
            "Below is an instruction that describes a task. Write a response that appropriately completes the "
            "request.\n\n### Instruction:\nSay hi\n\n### Response:\nHi!");
  EXPECT_EQ(decode_where(tok, no_input, true), "Hi!</s>");
}

TEST(TextTest, BosTextEosAllTrained) {
  llmcp::testing::TempDir dir;
  const DataContext ctx = DataContext::from_model_dir(llama2_tokenizer_only(dir));
  const auto& tok = ctx.tokenizer();
  const Example e = ctx.encode_record(rec(R"({"text": "The quick brown fox jumps over the lazy dog."})"), DataFormat::kText);
  std::vector<int32_t> expected = tok.encode("The quick brown fox jumps over the lazy dog.", true);
  ASSERT_EQ(expected.front(), *tok.special().bos);
  expected.push_back(*tok.special().eos);
  EXPECT_EQ(e.ids, expected);
  EXPECT_EQ(e.mask, std::vector<uint8_t>(expected.size(), 1));
}

TEST(TrainOnAllTest, MasksEveryToken) {
  DataOptions o;
  o.train_on_all = true;
  const DataContext ctx = DataContext::from_model_dir(llama2(), o);
  const Example e = ctx.encode_record(rec(R"({"instruction": "Add", "output": "5"})"), DataFormat::kInstruction);
  EXPECT_EQ(e.mask, std::vector<uint8_t>(e.ids.size(), 1));
}

}  // namespace
}  // namespace llmcp::data

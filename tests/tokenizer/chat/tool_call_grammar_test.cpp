// Constrained tool calls: the JSON-object automaton accepts every prefix of valid objects (and
// only those), and random walks through it end in text that nlohmann's parser reads as an object;
// each style's forced call, completed by a random walk, parses back (tool_calls.h) as one call to
// an allowed tool — the named one when there is one.
#include "tokenizer/chat/tool_call_grammar.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "core/error.h"

namespace llmcp::tokenizer::chat {
namespace {

bool accepts_all(JsonObjectPrefix& p, std::string_view s) {
  for (char c : s)
    if (!p.push(c)) return false;
  return true;
}

TEST(JsonObjectPrefix, AcceptsEveryPrefixOfValidObjectsAndCompletesAtTheirEnd) {
  const std::vector<std::string> valid = {
      "{}", R"({"a": 1})", R"({"city": "Paris, France", "unit": "celsius"})",
      R"({"n": -0.5e+10, "m": 0, "k": 12.25E-3, "t": true, "f": false, "z": null})",
      R"({"list": [1, [2, {"x": []}], "s"], "o": {"p": {}}})", R"({"esc": "a\"b\\c\/\b\f\n\r\t\u00e9\uD83D\ude00"})", R"({"big": -1.5e99, "small": 2E-99})",
      "{\n  \"pretty\": [\n    1,\n    2\n  ]\n}", R"({"utf8": "héllo 日本"})"};
  for (const auto& s : valid) {
    ASSERT_TRUE(nlohmann::json::parse(s).is_object()) << s;  // the fixture itself is valid
    JsonObjectPrefix p;
    for (size_t i = 0; i < s.size(); ++i) {
      ASSERT_FALSE(p.complete()) << s << " at " << i;
      ASSERT_TRUE(p.push(s[i])) << s << " rejected at " << i << ": '" << s[i] << "'";
    }
    EXPECT_TRUE(p.complete()) << s;
    EXPECT_FALSE(p.push(' ')) << "nothing follows the object";
  }
}

TEST(JsonObjectPrefix, RejectsWhatNoObjectCanContinue) {
  const std::vector<std::string> invalid = {
      "[1]", "\"s\"", "1", R"({"a" 1})", R"({"a": 01})", R"({"a": 1,})", R"({"a": [1,]})", R"({a: 1})",
      R"({"a": tru})", R"({"a": "\x"})", R"({"a": "\u12g4"})", "{\"a\": \"line\nbreak\"}", R"({"a": -})",
      R"({"a": 1.})", R"({"a": 1e})", R"({"a": 1]})", R"({"a": [1}})", R"({"a": +1})", R"({"a": .5})",
      R"({"a": "\uD83D"})", R"({"a": "\uDE00"})", R"({"a": "\uD83Dx"})", R"({"a": "\uD83D\u0041"})",
      R"({"a": "\ud86a\ud1D4"})"};
  for (const auto& s : invalid) {
    JsonObjectPrefix p;
    EXPECT_FALSE(accepts_all(p, s) && p.complete()) << s;
    bool object = false;
    try {
      object = nlohmann::json::parse(s).is_object();
    } catch (const nlohmann::json::exception&) {
    }
    EXPECT_FALSE(object) << "fixture " << s << " must not be a valid object";
  }
  // Valid JSON, but beyond what a forced call needs (and what a looping model would write).
  for (const auto& s : {"{" + std::string(JsonObjectPrefix::kMaxWhitespace + 1, ' ') + "}",
                        R"({"a": )" + std::string(JsonObjectPrefix::kMaxDigits + 1, '1') + "}", std::string(R"({"a": 1e100})")}) {
    JsonObjectPrefix p;
    EXPECT_FALSE(accepts_all(p, s)) << s;
  }
  std::string deep(JsonObjectPrefix::kMaxDepth, '[');
  deep[0] = '{';
  JsonObjectPrefix p;
  EXPECT_FALSE(accepts_all(p, R"({"a": )" + deep)) << "nesting is bounded";
}

// Appends random accepted bytes (from JSON's alphabet) until the grammar is complete.
template <class Grammar>
std::string walk(Grammar& g, std::mt19937& rng, const std::function<bool(Grammar&, char)>& push,
                 const std::function<bool(const Grammar&)>& done) {
  static const std::string alphabet = "{}[]\":,  -0123456789.eE+truefalsnabcxyz_\\u\n";
  std::string out;
  for (int guard = 0; !done(g) && guard < 100000; ++guard) {
    // Close things off more often as the text grows, so walks end.
    const std::string_view pool = out.size() > 60 && rng() % 2 ? std::string_view("}]\"0 e") : alphabet;
    const char c = pool[rng() % pool.size()];
    Grammar copy = g;
    if (push(copy, c)) {
      g = copy;
      out += c;
    }
  }
  return out;
}

TEST(JsonObjectPrefix, RandomWalksEndInObjectsNlohmannParses) {
  std::mt19937 rng(7);
  int complete = 0;
  for (int i = 0; i < 300; ++i) {
    JsonObjectPrefix p;
    const std::string s = walk<JsonObjectPrefix>(p, rng, [](JsonObjectPrefix& g, char c) { return g.push(c); },
                                                 [](const JsonObjectPrefix& g) { return g.complete(); });
    if (!p.complete()) continue;
    ++complete;
    EXPECT_NO_THROW(EXPECT_TRUE(nlohmann::json::parse(s).is_object())) << s;
  }
  EXPECT_GT(complete, 250);
}

// From any point of any walk, closing() is accepted and completes the object (nlohmann reads it);
// so does the grammar's for a forced call: a generation out of tokens can always close the call.
TEST(JsonObjectPrefix, ClosingCompletesFromAnyPrefix) {
  std::mt19937 rng(3);
  static const std::string alphabet = "{}[]\":,  -0123456789.eE+truefalsnabcxyz_\\uDd8C\n";
  for (int i = 0; i < 400; ++i) {
    JsonObjectPrefix p;
    std::string text;
    const size_t stop = rng() % 80;
    for (int guard = 0; text.size() < stop && !p.complete() && guard < 10000; ++guard) {
      const char c = alphabet[rng() % alphabet.size()];
      JsonObjectPrefix copy = p;
      if (copy.push(c)) p = copy, text += c;
    }
    const std::string close = p.closing();
    ASSERT_TRUE(accepts_all(p, close) && p.complete()) << text << " + " << close;
    EXPECT_NO_THROW(EXPECT_TRUE(nlohmann::json::parse(text + close).is_object())) << text + close;
  }
  for (const auto style : {ToolCallStyle::kHermes, ToolCallStyle::kLlama3Json, ToolCallStyle::kMistral}) {
    auto forced = force_tool_call(style, {"alpha", "beta_two"}, std::nullopt);
    EXPECT_EQ(forced.grammar.closing().substr(0, 5), "alpha");
    forced.grammar.advance("be");
    forced.grammar.advance(forced.grammar.closing());
    EXPECT_TRUE(forced.grammar.complete());
    EXPECT_EQ(parse_tool_calls(forced.opening + "beta_two\", \"" + (style == ToolCallStyle::kLlama3Json ? "parameters" : "arguments") +
                                   "\": {}" + (style == ToolCallStyle::kHermes ? "}\n</tool_call>" : style == ToolCallStyle::kMistral ? "}]" : "}"),
                               style).calls.size(), 1u);
    auto again = force_tool_call(style, {"alpha"}, std::string("alpha"));
    EXPECT_FALSE(again.grammar.fits("{\"a\": [[[", 4)) << "too deep to close in 4 bytes";
    EXPECT_TRUE(again.grammar.fits("{\"a\": [[[", 40));
  }
}

TEST(ForcedToolCall, EachStyleCompletedByAnyAcceptedTextParsesAsOneCallToAnAllowedTool) {
  const std::vector<std::string> tools = {"get_weather", "get", "search-web"};
  std::mt19937 rng(11);
  for (const auto style : {ToolCallStyle::kHermes, ToolCallStyle::kLlama3Json, ToolCallStyle::kMistral}) {
    for (const auto& named : {std::optional<std::string>(), std::optional<std::string>("get")}) {
      int parsed = 0;
      for (int i = 0; i < 60; ++i) {
        auto forced = force_tool_call(style, tools, named);
        // Walks pick one byte at a time; tool names need letters beyond JSON's alphabet.
        std::string text;
        for (int guard = 0; !forced.grammar.complete() && guard < 100000; ++guard) {
          static const std::string alphabet = "{}[]\":,  -0123456789.abcdefghijklmnopqrstuvwxyz_\n</>TOLCA";
          const std::string c(1, alphabet[rng() % alphabet.size()]);
          if (forced.grammar.accepts(c)) {
            forced.grammar.advance(c);
            text += c;
          }
        }
        ASSERT_TRUE(forced.grammar.complete()) << style_name(style) << ": " << forced.opening << text;
        const ParsedOutput out = parse_tool_calls(forced.opening + text, style);
        ASSERT_EQ(out.calls.size(), 1u) << style_name(style) << ": " << forced.opening << text;
        EXPECT_TRUE(named ? out.calls[0].name == *named
                          : std::find(tools.begin(), tools.end(), out.calls[0].name) != tools.end())
            << out.calls[0].name;
        EXPECT_TRUE(out.calls[0].arguments.is_object());
        EXPECT_EQ(out.content, "");
        ++parsed;
      }
      EXPECT_EQ(parsed, 60);
    }
  }
}

TEST(ForcedToolCall, TheGrammarHoldsTheStylesClosingAndNothingAfter) {
  auto forced = force_tool_call(ToolCallStyle::kHermes, {"f"}, std::string("f"));
  EXPECT_EQ(forced.opening, "<tool_call>\n{\"name\": \"f\", \"arguments\": ");
  EXPECT_FALSE(forced.grammar.accepts("")) << "an empty token never moves on";
  EXPECT_FALSE(forced.grammar.accepts("\"x\"")) << "arguments are an object";
  forced.grammar.advance("{\"a\": [1, 2]}");
  EXPECT_FALSE(forced.grammar.accepts("}\n</tool_call> more"));
  EXPECT_TRUE(forced.grammar.accepts("}\n</tool"));
  EXPECT_THROW(forced.grammar.advance("}</tool_call>"), core::Error);
  forced.grammar.advance("}\n</tool_call>");
  EXPECT_TRUE(forced.grammar.complete());
  EXPECT_FALSE(forced.grammar.accepts(" "));
}

TEST(ForcedToolCall, BadToolListsAreRefusedWithTheReason) {
  auto message = [](const std::vector<std::string>& names, const std::optional<std::string>& named) {
    try {
      force_tool_call(ToolCallStyle::kHermes, names, named);
    } catch (const core::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({}, std::nullopt).find("needs 'tools'"), std::string::npos);
  EXPECT_NE(message({"a b"}, std::nullopt).find("'a b' must be"), std::string::npos);
  EXPECT_NE(message({"a\"b"}, std::nullopt).find("must be"), std::string::npos);
  EXPECT_NE(message({"f"}, std::string("g")).find("'g', which is not among"), std::string::npos);
}

}  // namespace
}  // namespace llmcp::tokenizer::chat

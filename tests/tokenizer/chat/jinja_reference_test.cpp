// Every real chat template in tests/fixtures/hf-files (and the built-in ones) rendered with 50+
// conversations by us and by Python's jinja2 in transformers' environment: identical bytes when
// Python renders, an error from us when Python raises.
#include <gtest/gtest.h>

#include <map>

#include "chat_conversations.h"
#include "jinja_reference.h"

namespace llmcp::tokenizer::chat {
namespace {

using nlohmann::ordered_json;

TEST(JinjaReferenceTest, RealTemplatesMatchPythonJinja2) {
  const auto templates = testing::fixture_templates();
  const auto convs = testing::conversations();
  ASSERT_GE(templates.size(), 15u) << "fixture templates went missing";
  ASSERT_GE(convs.size(), 50u);
  ASSERT_GE(std::count_if(convs.begin(), convs.end(),
                          [](const auto& c) { return !c.tools.is_null() || c.extra.contains("builtin_tools") ||
                                                     c.extra.contains("custom_tools"); }),
            20);
  ordered_json cases = ordered_json::array();
  for (const auto& t : templates) {
    for (const auto& c : convs) {
      cases.push_back({{"template", t.source}, {"messages", c.messages}, {"tools", c.tools},
                       {"add_generation_prompt", c.add_generation_prompt}, {"extra", c.extra},
                       {"special", t.special_tokens}});
    }
  }
  const auto expected = testing::python_render(cases);
  int mismatches = 0;
  for (size_t ti = 0; ti < templates.size(); ++ti) {
    int texts = 0, errors = 0;
    for (size_t ci = 0; ci < convs.size(); ++ci) {
      const size_t i = ti * convs.size() + ci;
      const auto got = testing::cpp_render(cases[i]);
      const auto& want = expected[i];
      const bool same = want.text ? (got.text && *got.text == *want.text) : !got.text.has_value();
      (want.text ? texts : errors)++;
      if (same) continue;
      if (++mismatches > 25) continue;  // enough detail; the count below says how many
      ADD_FAILURE() << templates[ti].origin << " / " << convs[ci].name << "\n  python: "
                    << (want.text ? "text " + ordered_json(*want.text).dump() : "error " + want.error) << "\n  ours:   "
                    << (got.text ? "text " + ordered_json(*got.text).dump() : "error " + got.error);
    }
    // Each template must render most conversations, or the comparison says little.
    EXPECT_GE(texts, 10) << templates[ti].origin << " rendered only " << texts << " of " << convs.size();
    std::printf("  %-100s %2d rendered, %2d raised\n", templates[ti].origin.c_str(), texts, errors);
  }
  EXPECT_EQ(mismatches, 0) << "conversations rendered differently from Python's jinja2";
}

}  // namespace
}  // namespace llmcp::tokenizer::chat

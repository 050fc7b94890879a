// Robustness: ~2,000 randomly mutated versions of the real chat templates must each either render
// or throw core::Error — no crash, no hang, no other exception (runaway loops, recursion and huge
// strings are cut off by the interpreter's limits).
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "chat_conversations.h"
#include "core/error.h"
#include "tokenizer/chat/chat_template.h"

namespace llmcp::tokenizer::chat {
namespace {

const std::vector<std::string>& fragments() {
  static const std::vector<std::string> f = {
      "{%", "%}", "{{", "}}", "{#", "#}", "-", "+", "(", ")", "[", "]", "{", "}", "|", "'", "\"", "\\", "\n", " ",
      "for x in messages", "endfor", "if", "else", "endif", "set ns.x = 1", "loop.index", "loop", "messages", "~", "*",
      "**", "range(99999)", "namespace()", ".", ",", ":", "é", "\xff", "\xe4\xb8", "is defined", "is not", "|tojson",
      "|trim", "|length", "|items", "|map(attribute='x')", "[::-1]", "raise_exception('x')", "macro m(a)", "endmacro",
      "m(m)", "break", "continue", "0", "9223372036854775807", "1e308", "none", "true", "not", "and", "or", " in ",
      "{% raw %}", "{% endraw %}", "+%}", "-%}", "{%-", "{{-", "-}}", "'\\u00e9'", "'\\x'", "//", "%",
  };
  return f;
}

std::string mutate(const std::string& source, std::mt19937& rng) {
  std::string s = source;
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    const size_t n = s.size();
    const size_t at = n ? rng() % (n + 1) : 0;
    switch (rng() % 6) {
      case 0: s.insert(at, fragments()[rng() % fragments().size()]); break;
      case 1: if (at < n) s.erase(at, 1 + rng() % std::min<size_t>(40, n - at)); break;
      case 2: if (at < n) s[at] = static_cast<char>(rng() % 256); break;
      case 3: if (at < n) { const size_t len = 1 + rng() % std::min<size_t>(60, n - at); s.insert(rng() % (n + 1), s.substr(at, len)); } break;
      case 4: if (at < n) { const size_t len = 1 + rng() % std::min<size_t>(60, n - at); s.insert(rng() % (n + 1), s.substr(at, len)); s.erase(at, len); } break;
      default: s.insert(at, std::string(1, "{}%#-+|()[]'\"\n"[rng() % 14])); break;
    }
  }
  return s;
}

TEST(JinjaFuzzTest, MutatedTemplatesRenderOrThrowError) {
  const auto templates = testing::fixture_templates();
  const auto convs = testing::conversations();
  std::mt19937 rng(20240917);
  int parsed = 0, rendered = 0, failed = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 2000; ++i) {
    const auto& base = templates[rng() % templates.size()];
    const std::string source = mutate(base.source, rng);
    try {
      const JinjaTemplate t = JinjaTemplate::parse(source);
      ++parsed;
      for (int k = 0; k < 3; ++k) {
        const auto& c = convs[rng() % convs.size()];
        ChatRequest r{c.messages, c.tools, c.add_generation_prompt, c.extra};
        try {
          render_chat(t, r, base.special_tokens);
          ++rendered;
        } catch (const core::Error&) {
          ++failed;
        }
      }
    } catch (const core::Error& e) {
      ++failed;
      EXPECT_NE(std::string(e.what()).find("chat template line "), std::string::npos) << e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not a core::Error: " << e.what() << "\ntemplate:\n" << source;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("  2000 mutants: %d parsed, %d renders ok, %d errors, %.1f s\n", parsed, rendered, failed, seconds);
  EXPECT_GT(parsed, 200);
  EXPECT_GT(rendered, 200);
}

}  // namespace
}  // namespace llmcp::tokenizer::chat

// Compares our ids and decoded text with Hugging Face's `tokenizers` (the Rust library from PyPI,
// run by tools/tokenizer/hf_encode.py) on the synthetic tokenizer: ~200 varied strings, with and
// without special tokens. Needs LLMCP_PYTHON (set by `make test`); without it the test fails — a
// skipped reference check would pass silently.
#include <unistd.h>

#include "core/atomic_file.h"
#include "hf_reference.h"
#include "test_util.h"

#ifndef LLMCP_SOURCE_DIR
#error "LLMCP_SOURCE_DIR must point at the repository root"
#endif

namespace llmcp::tokenizer::test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::vector<std::string> reference_strings() {
  std::vector<std::string> s = {
      "", " ", "  ", "\n", "\r\n", "\t", "Hello", "Hello world", " Hello world", "Hello  world ",
      "The quick brown fox jumps over the lazy dog.", "What's the weather like in Paris?",
      "I'm sure you'll see they've done it, haven't they? We'd know.", "IT'S ALL CAPS, ISN'T IT",
      R"({"name": "get_weather", "arguments": {"city": "Paris"}})",
      R"J({"tool_calls": [{"name": "calculator", "arguments": {"expression": "12 * (3 + 4)"}}]})J",
      "def add(a, b):\n    return a + b\n", "int main() {\n  return 0;\n}\n", "a\n\n\nb", "x \n y",
      "3.14159 2024 1e-5 -42 100000000", "email: alice@example.com, url: https://example.com/a?b=c",
      "caf\u00e9 na\u00efve r\u00e9sum\u00e9", "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8",
      "\ud55c\uad6d\uc5b4 \u0440\u0443\u0441\u0441\u043a\u0438\u0439 \u0627\u0644\u0639\u0631\u0628\u064a\u0629",
      "\U0001F600\U0001F389 \U0001F468\u200D\U0001F469\u200D\U0001F467 \u2764\uFE0F",
      "e\u0301 a\u0300\u0301\u0302", "\x01\x02\x7f", std::string("nul\0inside", 10), "\u00a0nbsp\u3000ideo",
      "<s>", "</s>", "<s>Hello</s>", "text <unk> more <pad>", "<s><s></s>", "a<s>b", "<s >", "< s>",
      "    indented", "trailing\t\t", "!!!???...", "----====", "'''", "'s 't 're", "x'sy",
      "\u2581already\u2581metaspace", "\u0120G-dot", "mixed123abc456", "1234567890123",
  };
  // Words and lines of the corpus in different combinations.
  const auto lines = split_lines(default_corpus());
  for (size_t i = 0; i < lines.size(); i += 3) s.push_back(lines[i]);
  for (size_t i = 0; i + 1 < lines.size() && s.size() < 120; i += 5) s.push_back(lines[i] + lines[i + 1]);
  // Random text (leaving out U+0085 / U+FEFF, see below).
  std::mt19937 rng(2024);
  while (s.size() < 200) s.push_back(random_text(rng, 40, /*hf_safe=*/true));
  return s;
}

// U+0085 and U+FEFF are left out of the random strings: tokenizers.js runs the ByteLevel pattern
// with JavaScript's \s (which has U+FEFF but not U+0085), while Rust tokenizers' Oniguruma and our
// PCRE2 follow Unicode White_Space (U+0085 but not U+FEFF).
TEST(HfReference, SyntheticTokenizerMatchesHuggingFace) {
  const fs::path dir = fs::temp_directory_path() /
                       ("llmcp_hf_reference_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string config = R"({"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
                                 "pad_token": "<pad>", "model_max_length": 2048})";
  core::write_file_atomic(dir / "tokenizer.json", trained_json());
  core::write_file_atomic(dir / "tokenizer_config.json", config);
  const auto strings = reference_strings();
  const Tokenizer ours = Tokenizer::from_dir(dir);
  const HfIds theirs = hf_encode(dir / "tokenizer.json", strings, dir);
  for (const bool add_special : {false, true}) {
    if (!theirs.ok) break;
    int mismatches = 0;
    for (size_t i = 0; i < strings.size(); ++i) {
      const auto ids = ours.encode(strings[i], add_special);
      const auto& want = add_special ? theirs.special[i] : theirs.plain[i];
      if (ids != want && ++mismatches <= 5) {
        ADD_FAILURE() << "string " << i << " " << json(strings[i]).dump() << ": ours "
                      << json(ids).dump() << " vs Hugging Face " << json(want).dump();
      }
    }
    EXPECT_EQ(mismatches, 0) << "add_special_tokens=" << add_special;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace llmcp::tokenizer::test

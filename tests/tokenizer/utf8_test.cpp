// The lossy UTF-8 repair must match Rust's String::from_utf8_lossy (one U+FFFD per maximal invalid
// subpart, Unicode 3-8 examples) in both one-shot and streaming use.
#include "test_util.h"

namespace llmcp::tokenizer::test {
namespace {

std::string repair_all(std::string_view bytes) {
  Utf8Repairer r;
  std::string out = r.push(bytes);
  return out + r.finish();
}

std::string repair_bytewise(std::string_view bytes) {
  Utf8Repairer r;
  std::string out;
  for (const char c : bytes) out += r.push(std::string_view(&c, 1));
  return out + r.finish();
}

const std::string kR = "\uFFFD";

TEST(Utf8, RepairsLikeFromUtf8Lossy) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"abc", "abc"},
      {"\xE2\x82\xAC", "\u20AC"},
      {"\xFF", kR},
      {"a\xC3", "a" + kR},                    // truncated at the end: one replacement
      {"\xE2\x82" "a", kR + "a"},             // truncated 3-byte sequence is one subpart
      {"\xF0\x80\x80", kR + kR + kR},         // F0 80 is not a valid start: 3 replacements
      {"\xED\xA0\x80", kR + kR + kR},         // surrogates are invalid
      {"\xC0\xAF", kR + kR},                  // overlong
      {"\xF4\x90\x80\x80", kR + kR + kR + kR},  // above U+10FFFF
      {"\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64",  // Unicode Table 3-11 style mix
       "a" + kR + kR + kR + "b" + kR + "c" + kR + kR + "d"},
  };
  for (const auto& [in, want] : cases) {
    EXPECT_EQ(repair_all(in), want);
    EXPECT_EQ(repair_bytewise(in), want);
    EXPECT_TRUE(valid_utf8(repair_all(in)));
  }
}

TEST(Utf8, HoldsBackIncompleteSequences) {
  Utf8Repairer r;
  EXPECT_EQ(r.push("x\xF0\x9F"), "x");
  EXPECT_TRUE(r.has_pending());
  EXPECT_EQ(r.push("\x98"), "");
  EXPECT_EQ(r.push("\x80!"), "\U0001F600!");
  EXPECT_EQ(r.finish(), "");
}

TEST(Utf8, FindsInvalidOffset) {
  EXPECT_EQ(find_invalid_utf8("ok"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("ok\xC3"), 2u);
  EXPECT_EQ(find_invalid_utf8("\xE2\x82\xAC\xBF"), 3u);
}

TEST(Utf8, RandomBytesMatchBetweenOneShotAndStreaming) {
  std::mt19937 rng(3);
  for (int i = 0; i < 2000; ++i) {
    std::string bytes;
    const int n = std::uniform_int_distribution<int>(0, 12)(rng);
    for (int k = 0; k < n; ++k) {
      // Bias toward lead / continuation bytes so sequences are often almost valid.
      static const unsigned char pool[] = {0x41, 0x80, 0x8F, 0x90, 0xA0, 0xBF, 0xC2, 0xDF, 0xE0,
                                           0xE1, 0xED, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF, 0xC0};
      bytes += static_cast<char>(pool[std::uniform_int_distribution<size_t>(0, sizeof(pool) - 1)(rng)]);
    }
    const std::string one = repair_all(bytes);
    EXPECT_EQ(one, repair_bytewise(bytes));
    EXPECT_TRUE(valid_utf8(one));
  }
}

}  // namespace
}  // namespace llmcp::tokenizer::test

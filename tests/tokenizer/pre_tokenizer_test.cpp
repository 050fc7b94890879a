// Pre-tokenizers and split behaviors, checked through the pieces they produce. The expected
// pieces follow the tokenizers crate's documented examples for each SplitDelimiterBehavior.
#include "tokenizer/pre_tokenizer.h"

#include "test_util.h"
#include "tokenizer/split.h"

namespace llmcp::tokenizer::test {
namespace {

using nlohmann::json;
using Strings = std::vector<std::string>;

Strings run(const json& config, const std::string& text) {
  auto pre = make_pre_tokenizer(config);
  std::vector<Piece> pieces{{text, true}};
  pre->apply(pieces);
  Strings out;
  for (const auto& p : pieces) out.push_back(p.text);
  return out;
}

json split(const char* behavior, bool invert = false) {
  return {{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", behavior}, {"invert", invert}};
}

TEST(PreTokenizer, SplitBehaviors) {
  // tokenizers' docs: "the-final--countdown" split on "-".
  const std::string s = "the-final--countdown";
  EXPECT_EQ(run(split("Removed"), s), (Strings{"the", "final", "countdown"}));
  EXPECT_EQ(run(split("Isolated"), s), (Strings{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(run(split("MergedWithPrevious"), s), (Strings{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(run(split("MergedWithNext"), s), (Strings{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(run(split("Contiguous"), s), (Strings{"the", "-", "final", "--", "countdown"}));
  EXPECT_EQ(run(split("Removed", true), s), (Strings{"-", "-", "-"}));
}

TEST(PreTokenizer, ByteLevelUsesGpt2Pattern) {
  const json bl = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}};
  // Contractions, letters with their leading space, digits, punctuation runs, trailing spaces.
  EXPECT_EQ(run(bl, "I'm  ok, 42!"),
            (Strings{"I", "'m", "\u0120", "\u0120ok", ",", "\u012042", "!"}));
  const json prefixed = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", false}};
  EXPECT_EQ(run(prefixed, "a b"), (Strings{"\u0120a\u0120b"}));
  EXPECT_EQ(run(prefixed, " a"), (Strings{"\u0120a"}));  // already starts with a space
}

TEST(PreTokenizer, Llama3StyleSplitThenByteLevel) {
  const json seq = {{"type", "Sequence"}, {"pretokenizers", {
      {{"type", "Split"}, {"pattern", {{"Regex",
          R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}}},
       {"behavior", "Isolated"}, {"invert", false}},
      {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}};
  // Case-insensitive contractions, digits in groups of three, "é" as two byte symbols.
  EXPECT_EQ(run(seq, "IT'S 12345 caf\u00e9"),
            (Strings{"IT", "'S", "\u0120", "123", "45", "\u0120caf\u00c3\u00a9"}));
}

TEST(PreTokenizer, MetaspaceDigitsPunctuation) {
  const json first = {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "first"},
                      {"split", true}};
  EXPECT_EQ(run(first, "Hey friend"), (Strings{"\u2581Hey", "\u2581friend"}));
  auto pre = make_pre_tokenizer(first);
  std::vector<Piece> later{{"Hey", false}};  // not at the start of the text: no prefix
  pre->apply(later);
  EXPECT_EQ(later[0].text, "Hey");
  EXPECT_EQ(run({{"type", "Digits"}, {"individual_digits", true}}, "a123"), (Strings{"a", "1", "2", "3"}));
  EXPECT_EQ(run({{"type", "Digits"}, {"individual_digits", false}}, "a123b"), (Strings{"a", "123", "b"}));
  EXPECT_EQ(run({{"type", "Punctuation"}, {"behavior", "Isolated"}}, "Hey, you!?"),
            (Strings{"Hey", ",", " you", "!", "?"}));
}

}  // namespace
}  // namespace llmcp::tokenizer::test

// BPE model cases with ids worked out by hand from the algorithm: split the word into characters,
// then repeatedly merge the adjacent pair with the lowest merge rank (leftmost on ties) until no
// pair is in the merge list. Each test spells out its steps. Also: the 50k-merge scale check.
#include <chrono>

#include "test_util.h"

namespace llmcp::tokenizer::test {
namespace {

using nlohmann::json;

// A tokenizer with only a model (no normalizer / pre-tokenizer: the whole text is one word).
Tokenizer model_only(json model) {
  model["type"] = "BPE";
  return Tokenizer::from_json(json{{"model", model}}.dump(), "");
}

const json kAbcVocab = {{"a", 0}, {"b", 1}, {"c", 2}, {"ab", 3}, {"bc", 4}, {"abc", 5}};

TEST(BpeModel, LowestRankMergesFirst) {
  // merges: 0 "a b", 1 "ab c".  "abc": a b c -> (a,b) rank 0 -> ab c -> (ab,c) rank 1 -> abc = 5.
  auto t = model_only({{"vocab", kAbcVocab}, {"merges", {"a b", "ab c"}}});
  EXPECT_EQ(t.encode("abc"), (std::vector<int32_t>{5}));
  // "bca": pairs (b,c) and (c,a) are not merges -> b c a = 1 2 0.
  EXPECT_EQ(t.encode("bca"), (std::vector<int32_t>{1, 2, 0}));
  // "abab": (a,b) at 0 and 2, both rank 0; leftmost first, then the other -> ab ab = 3 3.
  EXPECT_EQ(t.encode("abab"), (std::vector<int32_t>{3, 3}));
}

TEST(BpeModel, RankOrderDecidesTheSplit) {
  // merges: 0 "b c", 1 "a b".  "abc": (a,b) rank 1, (b,c) rank 0 -> a bc; (a,bc) no merge -> 0 4.
  auto t = model_only({{"vocab", kAbcVocab}, {"merges", {"b c", "a b"}}});
  EXPECT_EQ(t.encode("abc"), (std::vector<int32_t>{0, 4}));
}

TEST(BpeModel, PairFormatMergesEqualStringFormat) {
  auto strings = model_only({{"vocab", kAbcVocab}, {"merges", {"a b", "ab c"}}});
  // (json::array spelled out: a brace list of pairs would read as an object.)
  auto pairs = model_only({{"vocab", kAbcVocab},
                           {"merges", json::array({json::array({"a", "b"}), json::array({"ab", "c"})})}});
  for (const char* s : {"abc", "cab", "abcabc", "ccc", "babca"}) {
    EXPECT_EQ(strings.encode(s), pairs.encode(s)) << s;
  }
}

TEST(BpeModel, IgnoreMergesTakesWholeWordFromVocab) {
  // "abc" is in the vocab but no merge chain reaches it: merges only build "ab".
  const json vocab = {{"a", 0}, {"b", 1}, {"c", 2}, {"ab", 3}, {"abc", 4}};
  auto plain = model_only({{"vocab", vocab}, {"merges", {"a b"}}});
  auto ignoring = model_only({{"vocab", vocab}, {"merges", {"a b"}}, {"ignore_merges", true}});
  EXPECT_EQ(plain.encode("abc"), (std::vector<int32_t>{3, 2}));  // a b c -> ab c
  EXPECT_EQ(ignoring.encode("abc"), (std::vector<int32_t>{4}));  // whole word is a token
  EXPECT_EQ(ignoring.encode("abca"), (std::vector<int32_t>{3, 2, 0}));  // not a token: merges
}

TEST(BpeModel, UnknownCharactersUseUnkAndFuse) {
  const json vocab = {{"<unk>", 0}, {"a", 1}};
  // "axxa": x is unknown. fuse_unk joins the run of unknowns into one <unk>.
  auto fused = model_only({{"vocab", vocab}, {"merges", json::array()}, {"unk_token", "<unk>"},
                           {"fuse_unk", true}});
  auto separate = model_only({{"vocab", vocab}, {"merges", json::array()}, {"unk_token", "<unk>"}});
  auto none = model_only({{"vocab", vocab}, {"merges", json::array()}});
  EXPECT_EQ(fused.encode("axxa"), (std::vector<int32_t>{1, 0, 1}));
  EXPECT_EQ(separate.encode("axxa"), (std::vector<int32_t>{1, 0, 0, 1}));
  EXPECT_EQ(none.encode("axxa"), (std::vector<int32_t>{1, 1}));  // tokenizers drops them
}

TEST(BpeModel, ByteFallbackSpellsUnknownCharactersAsBytes) {
  // "é" is C3 A9 in UTF-8: not in the vocab, so it becomes <0xC3> <0xA9> (ids 2, 3).
  const json vocab = {{"<unk>", 0}, {"a", 1}, {"<0xC3>", 2}, {"<0xA9>", 3}};
  auto t = model_only({{"vocab", vocab}, {"merges", json::array()}, {"unk_token", "<unk>"},
                       {"byte_fallback", true}});
  EXPECT_EQ(t.encode("a\u00e9a"), (std::vector<int32_t>{1, 2, 3, 1}));
  // "ü" is C3 BC; <0xBC> is missing, so the whole character falls back to <unk>.
  EXPECT_EQ(t.encode("\u00fc"), (std::vector<int32_t>{0}));
}

TEST(BpeModel, ContinuingSubwordPrefixAndSuffix) {
  // With prefix "##", non-initial characters are looked up as "##x"; merge "a ##b" makes "ab".
  const json vocab = {{"a", 0}, {"##a", 1}, {"##b", 2}, {"ab", 3}};
  auto t = model_only({{"vocab", vocab}, {"merges", {"a ##b"}}, {"continuing_subword_prefix", "##"}});
  EXPECT_EQ(t.encode("aba"), (std::vector<int32_t>{3, 1}));
}

TEST(BpeModel, GreedyByteLevelWordsWorkedByHand) {
  // Byte-level vocab (byte b = id b, "Ġ" = 32) plus: 256 "he", 257 "ll", 258 "hell", 259 "Ġw",
  // 260 "or". "hello world" pre-tokenizes to "hello" and "Ġworld".
  //  hello : h e l l o -> (h,e) r0 -> he l l o -> (l,l) r1 -> he ll o -> (he,ll) r2 -> hell o
  //  Ġworld: Ġ w o r l d -> (Ġ,w) r3 -> Ġw o r l d -> (o,r) r4 -> Ġw or l d
  json j = {{"model", {{"type", "BPE"},
                       {"vocab", byte_level_vocab({"he", "ll", "hell", "\u0120w", "or"})},
                       {"merges", {"h e", "l l", "he ll", "\u0120 w", "o r"}}}},
            {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
            {"decoder", {{"type", "ByteLevel"}}}};
  auto t = Tokenizer::from_json(j.dump(), "");
  const std::vector<int32_t> expected = {258, 'o', 259, 260, 'l', 'd'};
  EXPECT_EQ(t.encode("hello world"), expected);
  EXPECT_EQ(t.decode(expected), "hello world");
}

// 50k merges over a byte-level alphabet, built by joining random earlier tokens.
std::string big_tokenizer_json(int merges_wanted) {
  std::mt19937 rng(1234);
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b) tokens.push_back(byte_to_unicode()[b]);
  std::unordered_map<std::string, int> ids;
  for (int i = 0; i < 256; ++i) ids[tokens[i]] = i;
  json merges = json::array();
  json vocab = json::object();
  while (static_cast<int>(merges.size()) < merges_wanted) {
    // Prefer short tokens on the left so long words have deep merge chains.
    const auto& a = tokens[std::uniform_int_distribution<size_t>(0, tokens.size() - 1)(rng)];
    const auto& b = tokens[std::uniform_int_distribution<size_t>(0, std::min<size_t>(tokens.size(), 600) - 1)(rng)];
    if (a.size() + b.size() > 24 || ids.count(a + b)) continue;
    ids[a + b] = static_cast<int>(tokens.size());
    merges.push_back(json::array({a, b}));
    tokens.push_back(a + b);
  }
  for (const auto& [tok, id] : ids) vocab[tok] = id;
  json j = {{"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}},
            {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}}},
            {"decoder", {{"type", "ByteLevel"}}}};
  return j.dump();
}

// Scale check: 50k merges load, and a 1 MB input with a 200k-character word encodes. A quadratic
// merge loop or whole-text rescans would take minutes here (ctest's timeout catches that); timings
// are printed for information only — speed is measured in bench/, not asserted in tests.
TEST(BpeModel, FiftyThousandMergesAreFast) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto t = Tokenizer::from_json(big_tokenizer_json(50000), "");
  const auto t1 = std::chrono::steady_clock::now();
  EXPECT_EQ(t.vocab_size(), 256 + 50000);
  std::mt19937 rng(7);
  std::string text;
  while (text.size() < 800000) text += random_text(rng, 40) + " ";
  text += std::string(200000, 'q');
  const auto ids = t.encode(text, false);
  const auto t2 = std::chrono::steady_clock::now();
  const std::string decoded = t.decode(ids);
  const auto t3 = std::chrono::steady_clock::now();
  EXPECT_LT(ids.size(), text.size());
  EXPECT_EQ(decoded, text);
  using S = std::chrono::duration<double>;
  std::printf("load %.3fs, encode %zu bytes %.3fs, decode %.3fs\n", S(t1 - t0).count(),
              text.size(), S(t2 - t1).count(), S(t3 - t2).count());
}

}  // namespace
}  // namespace llmcp::tokenizer::test

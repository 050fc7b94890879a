// StreamDecoder: for every decoder shape we support, the pieces pushed out add up to decode() of
// the same ids, each piece is valid UTF-8, and incomplete characters are held back. Random id
// sequences include byte tokens that cut characters in half and invalid byte runs.
#include "test_util.h"

namespace llmcp::tokenizer::test {
namespace {

using nlohmann::json;
using Ids = std::vector<int32_t>;

std::string stream_all(const Tokenizer& t, const Ids& ids, bool skip, bool* all_valid) {
  StreamDecoder d(t, skip);
  std::string out;
  *all_valid = true;
  for (const int32_t id : ids) {
    const std::string piece = d.push(id);
    *all_valid = *all_valid && valid_utf8(piece);
    out += piece;
  }
  const std::string last = d.flush();
  *all_valid = *all_valid && valid_utf8(last);
  return out + last;
}

void expect_stream_matches_decode(const Tokenizer& t, uint32_t seed, int max_len) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> id_dist(0, t.vocab_size() - 1);
  std::uniform_int_distribution<int> len_dist(0, max_len);
  for (int i = 0; i < 3000; ++i) {
    Ids ids(len_dist(rng));
    for (auto& id : ids) id = id_dist(rng);
    for (const bool skip : {false, true}) {
      bool all_valid = false;
      const std::string streamed = stream_all(t, ids, skip, &all_valid);
      ASSERT_EQ(streamed, t.decode(ids, skip)) << "case " << i;
      ASSERT_TRUE(all_valid) << "case " << i;
    }
  }
}

// A model with the given decoder; vocab mixes plain pieces, "▁" pieces and <0xXX> byte tokens.
Tokenizer with_decoder(const json& decoder) {
  json vocab = {{"<s>", 0}, {"a", 1}, {"b", 2}, {"ab", 3}, {" ", 4}, {"\u2581", 5}, {"\u2581a", 6},
                {"\u00e9", 7}, {"<0x41>", 8}, {"<0xC3>", 9}, {"<0xA9>", 10}, {"<0xF0>", 11},
                {"<0x9F>", 12}, {"<0x98>", 13}, {"<0x80>", 14}, {"<0xFF>", 15}, {" a ", 16}};
  json j = {{"added_tokens", {{{"id", 0}, {"content", "<s>"}, {"special", true}, {"normalized", false}}}},
            {"decoder", decoder},
            {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array()}}}};
  return Tokenizer::from_json(j.dump(), "");
}

json llama2_decoder() {
  return {{"type", "Sequence"}, {"decoders", {
      {{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
      {{"type", "ByteFallback"}}, {{"type", "Fuse"}},
      {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}};
}

TEST(StreamDecoder, ByteLevelMatchesDecode) { expect_stream_matches_decode(trained(), 1, 12); }

TEST(StreamDecoder, ByteLevelHoldsBackSplitCharacters) {
  const Tokenizer& t = trained();
  // "😀" is F0 9F 98 80: push its four byte-symbol tokens one at a time.
  StreamDecoder d(t);
  std::string out;
  for (const unsigned char b : std::string("\xF0\x9F\x98\x80")) {
    const auto id = t.token_to_id(byte_to_unicode()[b]);
    ASSERT_TRUE(id.has_value());
    out = d.push(*id);
    if (b != 0x80) {
      EXPECT_EQ(out, "");
    }
  }
  EXPECT_EQ(out, "\U0001F600");
  EXPECT_EQ(d.flush(), "");
}

TEST(StreamDecoder, SentencePieceDecoderMatchesDecode) {
  expect_stream_matches_decode(with_decoder(llama2_decoder()), 2, 10);
}

TEST(StreamDecoder, ByteFallbackRunIsHeldUntilItEnds) {
  auto t = with_decoder(llama2_decoder());
  StreamDecoder d(t);
  EXPECT_EQ(d.push(6), "a");       // "▁a" -> " a", leading space stripped
  EXPECT_EQ(d.push(9), "");        // <0xC3>: start of "é"
  EXPECT_EQ(d.push(10), "");       // <0xA9>: run may still grow
  EXPECT_EQ(d.push(1), "\u00e9a");  // a normal token ends the run
  EXPECT_EQ(d.push(15), "");
  EXPECT_EQ(d.flush(), "\uFFFD");  // lone <0xFF> is invalid
  EXPECT_EQ(t.decode(Ids{6, 9, 10, 1, 15}), "a\u00e9a\uFFFD");
}

TEST(StreamDecoder, FusedStripAndReplaceHoldTheirEdges) {
  // Fuse, then Strip(" ", 1 leading, 2 trailing), then Replace "ab" -> "X" on the joined string.
  auto t = with_decoder({{"type", "Sequence"}, {"decoders", {
      {{"type", "Fuse"}},
      {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 2}},
      {{"type", "Replace"}, {"pattern", {{"String", "ab"}}}, {"content", "X"}}}}});
  // " a " + " " + "a" + "b" + " " -> " a  ab " -> strip -> "a  ab" -> "a  X"
  EXPECT_EQ(t.decode(Ids{16, 4, 1, 2, 4}), "a  X");
  expect_stream_matches_decode(t, 3, 10);
}

TEST(StreamDecoder, MetaspaceAndNoDecoder) {
  auto meta = with_decoder({{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", "always"}});
  EXPECT_EQ(meta.decode(Ids{6, 5, 1}), "a a");  // ▁ dropped in the first token only
  expect_stream_matches_decode(meta, 4, 8);
  auto none = with_decoder(nullptr);
  EXPECT_EQ(none.decode(Ids{1, 2, 3}), "a b ab");  // no decoder: joined with spaces
  expect_stream_matches_decode(none, 5, 8);
}

TEST(StreamDecoder, SkipsSpecialTokensAndRestartsAfterFlush) {
  const Tokenizer& t = trained();
  const Ids ids = t.encode("<s>Hello there</s>", false);
  StreamDecoder d(t, true);
  std::string out;
  for (const int32_t id : ids) out += d.push(id);
  out += d.flush();
  EXPECT_EQ(out, "Hello there");
  for (const int32_t id : t.encode("again", false)) out += d.push(id);
  EXPECT_EQ(out + d.flush(), "Hello thereagain");
}

}  // namespace
}  // namespace llmcp::tokenizer::test

// The whole encode/decode pipeline on hand-made tokenizer.json files (SentencePiece-style and
// byte-level), tokenizer_config.json handling, the public lookups, and round trips of random text.
#include <unistd.h>

#include "core/atomic_file.h"
#include "test_util.h"

namespace llmcp::tokenizer::test {
namespace {

using nlohmann::json;
using Ids = std::vector<int32_t>;

// Llama-2 / Mistral shape: Prepend "▁" + Replace " "->"▁", no pre-tokenizer, <s> template, and the
// Replace / ByteFallback / Fuse / Strip decoder. Vocab: <unk> <s> </s> ▁ h i ▁h ▁hi <0xC3> <0xA9>.
json sentencepiece_like() {
  const json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}, {"\u2581", 3}, {"h", 4}, {"i", 5},
                      {"\u2581h", 6}, {"\u2581hi", 7}, {"<0xC3>", 8}, {"<0xA9>", 9}};
  auto special = [](int id, const char* s) {
    return json{{"id", id}, {"content", s}, {"special", true}, {"normalized", false},
                {"lstrip", false}, {"rstrip", false}, {"single_word", false}};
  };
  return {
      {"version", "1.0"},
      {"added_tokens", {special(0, "<unk>"), special(1, "<s>"), special(2, "</s>")}},
      {"normalizer", {{"type", "Sequence"}, {"normalizers", {
          {{"type", "Prepend"}, {"prepend", "\u2581"}},
          {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\u2581"}}}}}},
      {"pre_tokenizer", nullptr},
      {"post_processor", {{"type", "TemplateProcessing"},
          {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                      {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
          {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1}}, {"tokens", {"<s>"}}}}}}}},
      {"decoder", {{"type", "Sequence"}, {"decoders", {
          {{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
          {{"type", "ByteFallback"}}, {{"type", "Fuse"}},
          {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}}},
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", {"\u2581 h", "\u2581h i"}},
                 {"unk_token", "<unk>"}, {"fuse_unk", true}, {"byte_fallback", true}}}};
}

TEST(Tokenizer, SentencePieceStylePipeline) {
  auto t = Tokenizer::from_json(sentencepiece_like().dump(), "");
  // "hi hi" -> normalized "▁hi▁hi" (one word) -> ▁ h i ▁ h i -> (▁,h) rank 0 at 0 and 3 ->
  // ▁h i ▁h i -> (▁h,i) rank 1 twice -> ▁hi ▁hi = 7 7; the template adds <s> = 1.
  EXPECT_EQ(t.encode("hi hi", false), (Ids{7, 7}));
  EXPECT_EQ(t.encode("hi hi"), (Ids{1, 7, 7}));
  // "é" is not in the vocab: byte fallback <0xC3> <0xA9>; "▁" stays alone.
  EXPECT_EQ(t.encode("\u00e9", false), (Ids{3, 8, 9}));
  // Decoding: "▁hi" -> " hi", Fuse, then Strip drops one leading space.
  EXPECT_EQ(t.decode(Ids{7, 7}), "hi hi");
  EXPECT_EQ(t.decode(Ids{1, 7, 7}), "<s> hi hi");
  EXPECT_EQ(t.decode(Ids{1, 7, 7}, true), "hi hi");
  EXPECT_EQ(t.decode(Ids{3, 8, 9}), "\u00e9");
  // Byte runs that are not valid UTF-8 become one U+FFFD per byte (tokenizers' ByteFallback).
  EXPECT_EQ(t.decode(Ids{7, 8}), "hi\uFFFD");
  EXPECT_EQ(t.decode(Ids{8, 8, 7}), "\uFFFD\uFFFD hi");
  EXPECT_TRUE(t.special().add_bos);
  EXPECT_FALSE(t.special().add_eos);
  EXPECT_EQ(t.special().bos, 1);
  EXPECT_EQ(t.special().unk, 0);
}

TEST(Tokenizer, AddedTokensAreMatchedBeforeNormalization) {
  auto t = Tokenizer::from_json(sentencepiece_like().dump(), "");
  // "<s>hi</s>" -> <s> | "hi" | </s>; each text segment is normalized on its own ("▁hi").
  EXPECT_EQ(t.encode("<s>hi</s>", false), (Ids{1, 7, 2}));
  EXPECT_EQ(t.decode(Ids{1, 7, 2}), "<s> hi</s>");
  EXPECT_EQ(t.decode(Ids{1, 7, 2}, true), "hi");
}

// Byte-level vocab with added tokens exercising longest match, lstrip, rstrip and single_word.
Tokenizer byte_level_with_added() {
  auto added = [](int id, const char* s, bool special, bool lstrip, bool rstrip, bool single) {
    return json{{"id", id}, {"content", s}, {"special", special}, {"normalized", false},
                {"lstrip", lstrip}, {"rstrip", rstrip}, {"single_word", single}};
  };
  json j = {{"added_tokens", {added(300, "<x>", true, false, false, false),
                              added(301, "<x><y>", true, false, false, false),
                              added(302, "<mask>", true, true, false, false),
                              added(303, "<r>", false, false, true, false),
                              added(304, "ab", false, false, false, true)}},
            {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}}},
            {"decoder", {{"type", "ByteLevel"}}},
            {"model", {{"type", "BPE"}, {"vocab", byte_level_vocab({})}, {"merges", json::array()}}}};
  return Tokenizer::from_json(j.dump(), "");
}

TEST(Tokenizer, AddedTokenMatchingRules) {
  auto t = byte_level_with_added();
  // Longest match first: "<x><y>" wins over "<x>".
  EXPECT_EQ(t.encode("<x><y><x>"), (Ids{301, 300}));
  // lstrip: the space before <mask> is swallowed.
  EXPECT_EQ(t.encode("a <mask>b"), (Ids{'a', 302, 'b'}));
  // rstrip: the spaces after <r> are swallowed ("Ġ" = id 32 would appear otherwise).
  EXPECT_EQ(t.encode("<r>  c"), (Ids{303, 'c'}));
  // single_word: "ab" only matches with non-word characters (or the edges) around it.
  EXPECT_EQ(t.encode("ab cab"), (Ids{304, 32, 'c', 'a', 'b'}));
  EXPECT_TRUE(t.is_special(300));
  EXPECT_FALSE(t.is_special(303));
  EXPECT_FALSE(t.is_special('a'));
  EXPECT_EQ(t.vocab_size(), 305);
  EXPECT_EQ(t.token_to_id("<mask>"), 302);
  EXPECT_EQ(t.token_to_id("\u0120"), 32);
  EXPECT_EQ(t.token_to_id("nope"), std::nullopt);
  EXPECT_EQ(t.id_to_token(301), "<x><y>");
  EXPECT_EQ(error_code_of([&] { t.id_to_token(299); }), core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(t.decode(Ids{'a', 300, 'b'}, true), "ab");
}

TEST(Tokenizer, ConfigGivesSpecialTokensWhenNoTemplate) {
  // The trained tokenizer has a ByteLevel post-processor (adds nothing), so add_bos_token /
  // add_eos_token from tokenizer_config.json decide; tokens may be strings or AddedToken dicts.
  const std::string config = R"({
    "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false},
    "eos_token": "</s>", "pad_token": null, "unk_token": {"content": "<unk>"},
    "add_bos_token": true, "add_eos_token": true,
    "model_max_length": 1000000000000000019884624838656,
    "chat_template": "{% for m in messages %}{{ m.content }}{% endfor %}"})";
  auto t = Tokenizer::from_json(trained_json(), config);
  const auto& s = t.special();
  EXPECT_EQ(s.bos, 0);
  EXPECT_EQ(s.eos, 1);
  EXPECT_EQ(s.unk, 2);
  EXPECT_EQ(s.pad, std::nullopt);
  EXPECT_EQ(s.bos_text, "<s>");
  EXPECT_TRUE(s.add_bos);
  EXPECT_TRUE(s.add_eos);
  EXPECT_EQ(s.model_max_length, INT64_MAX);
  const auto ids = t.encode("hello");
  ASSERT_GE(ids.size(), 3u);
  EXPECT_EQ(ids.front(), 0);
  EXPECT_EQ(ids.back(), 1);
  EXPECT_EQ(t.encode("hello", false), Ids(ids.begin() + 1, ids.end() - 1));
  // Without tokenizer_config.json nothing is added.
  auto bare = Tokenizer::from_json(trained_json(), "");
  EXPECT_EQ(bare.encode("hello"), bare.encode("hello", false));
  EXPECT_EQ(bare.special().model_max_length, 0);
}

TEST(Tokenizer, TrainedTokenizerRoundTripsRandomText) {
  const Tokenizer& t = trained();
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::string text = random_text(rng, 60);
    if (i % 7 == 0) text += "<s>" + random_text(rng, 5) + "</s>";
    const auto ids = t.encode(text, false);
    ASSERT_EQ(t.decode(ids), text) << "case " << i;
  }
  for (const char* s : {"", " ", "\n\n", "  x  ", "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9",
                        "e\xCC\x81\xCC\x82", "\t\r\n\x0B\x0C", "\xEF\xBF\xBF\xF4\x8F\xBF\xBF"}) {
    EXPECT_EQ(t.decode(t.encode(s)), s);
  }
}

TEST(Tokenizer, TrainedTokenizerCompressesEnglish) {
  const Tokenizer& t = trained();
  const std::string text = "The weather today is sunny. What is the capital of France?";
  const auto ids = t.encode(text, false);
  EXPECT_LT(ids.size() * 2, text.size());  // far fewer tokens than bytes
  EXPECT_EQ(t.decode(ids), text);
}

TEST(Tokenizer, RejectsInvalidUtf8AndUnknownIds) {
  const Tokenizer& t = trained();
  for (const char* bad : {"\xFF", "a\xC3", "\xED\xA0\x80", "\xC0\xAF", "ok\x80"}) {
    std::string msg;
    EXPECT_EQ(error_code_of([&] { t.encode(bad); }, &msg), core::ErrorCode::kInvalidArgument);
    EXPECT_NE(msg.find("UTF-8"), std::string::npos) << msg;
  }
  EXPECT_EQ(error_code_of([&] { t.decode(Ids{5, 512}); }), core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_code_of([&] { t.decode(Ids{-1}); }), core::ErrorCode::kInvalidArgument);
}

TEST(Tokenizer, FromDirReadsBothFiles) {
  const auto dir = std::filesystem::temp_directory_path() / ("llmcp_tok_dir_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  core::write_file_atomic(dir / "tokenizer.json", trained_json());
  core::write_file_atomic(dir / "tokenizer_config.json", R"({"bos_token": "<s>", "add_bos_token": true})");
  auto t = Tokenizer::from_dir(dir);
  EXPECT_EQ(t.encode("hi").front(), 0);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(error_code_of([&] { Tokenizer::from_dir(dir); }), core::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace llmcp::tokenizer::test

// The synthetic-tokenizer trainer: deterministic, exactly the requested size, HF's file layout,
// loadable here, and a merge order worked out by hand on a tiny corpus.
#include <chrono>

#include "test_util.h"

namespace llmcp::tokenizer::test {
namespace {

using nlohmann::json;

TEST(BpeTrainer, WritesHuggingFaceLayout) {
  const json j = json::parse(trained_json());
  EXPECT_EQ(j["version"], "1.0");
  ASSERT_EQ(j["added_tokens"].size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(j["added_tokens"][i]["id"], i);
    EXPECT_EQ(j["added_tokens"][i]["content"], specials()[i]);
    EXPECT_EQ(j["added_tokens"][i]["special"], true);
  }
  EXPECT_EQ(j["pre_tokenizer"]["type"], "ByteLevel");
  EXPECT_EQ(j["pre_tokenizer"]["add_prefix_space"], false);
  EXPECT_EQ(j["pre_tokenizer"]["use_regex"], true);
  EXPECT_EQ(j["decoder"]["type"], "ByteLevel");
  EXPECT_EQ(j["model"]["type"], "BPE");
  EXPECT_EQ(j["model"]["vocab"].size(), 512u);
  EXPECT_EQ(j["model"]["merges"].size(), 512u - 4 - 256);
  EXPECT_EQ(j["model"]["vocab"]["<s>"], 0);
  EXPECT_EQ(j["model"]["vocab"]["\u0120"], 4 + 32);  // byte 0x20 (space) is "Ġ"
  EXPECT_EQ(trained().vocab_size(), 512);
}

TEST(BpeTrainer, IsDeterministicAndQuick) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string again = train_byte_level_bpe(split_lines(default_corpus()), 512, specials());
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(again, trained_json());
  std::printf("trained 512 ids on %zu bytes in %.3fs\n", default_corpus().size(), s);
}

TEST(BpeTrainer, MergeOrderOnATinyCorpus) {
  // Words (GPT-2 split): "aaab" x1, "Ġaaab" x1, "Ġab" x2. Pair counts: (a,a) 4, (a,b) 4,
  // (Ġ,a) 3. Tie between (a,a) and (a,b) goes to the lowest ids; both are (97,97) vs (97,98),
  // so "a a" first. Words become "aa a b", "Ġ aa a b", "Ġ a b": (aa,a) 2, (a,b) 4, (Ġ,aa) 1,
  // (Ġ,a) 2 -> "a b" next; then (aa,ab) 2 vs (Ġ,ab) 2 with aa=256, ab=257, Ġ=32 -> "Ġ ab".
  const std::string j = train_byte_level_bpe({"aaab aaab ab ab"}, 256 + 3, {});
  const json parsed = json::parse(j);
  EXPECT_EQ(parsed["model"]["merges"], json({"a a", "a b", "\u0120 ab"}));
  auto t = Tokenizer::from_json(j, "");
  EXPECT_EQ(t.encode("ab"), (std::vector<int32_t>{257}));
  EXPECT_EQ(t.encode(" ab"), (std::vector<int32_t>{258}));
}

TEST(BpeTrainer, StopsWhenPairsRunOut) {
  const json j = json::parse(train_byte_level_bpe({"ab"}, 1000, {"<s>"}));
  EXPECT_EQ(j["model"]["vocab"].size(), 1u + 256 + 1);  // only "a b" exists to merge
}

TEST(BpeTrainer, RejectsBadArguments) {
  EXPECT_EQ(error_code_of([] { train_byte_level_bpe({"x"}, 100, {}); }),
            core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_code_of([] { train_byte_level_bpe({"x"}, 300, {"<s>", "<s>"}); }),
            core::ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_code_of([] { train_byte_level_bpe({"x"}, 300, {""}); }),
            core::ErrorCode::kInvalidArgument);
}

TEST(BpeTrainer, SpecialTokensInTheCorpusAreNotLearned) {
  const json j = json::parse(train_byte_level_bpe({"<s>hello</s> <s>hello</s>"}, 300, {"<s>", "</s>"}));
  for (const auto& m : j["model"]["merges"]) {
    EXPECT_EQ(m.get<std::string>().find('<'), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace llmcp::tokenizer::test

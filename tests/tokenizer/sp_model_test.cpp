// The tokenizer.model path against Google's sentencepiece (python3-sentencepiece, through
// tools/reference/sentencepiece_reference.py): BPE and unigram models with byte fallback, trained by
// sentencepiece on the mixed corpus, give the same ids on all 5,200 lines, decode as sentencepiece
// decodes, and stream-decode to the same text. Broken files are clear errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../test_util.h"
#include "core/atomic_file.h"
#include "mixed_corpus.h"
#include "test_util.h"
#include "tokenizer/tokenizer.h"

namespace llmcp::tokenizer::test {
namespace {

namespace fs = std::filesystem;
using llmcp::testing::reference_python;
using llmcp::testing::run_command;
using llmcp::testing::TempDir;
using nlohmann::json;

const std::string kScript = std::string(LLMCP_SOURCE_DIR) + "/tools/reference/sentencepiece_reference.py";
const std::string kHint = " (needs Debian's python3-sentencepiece for /usr/bin/python3: run `make test-deps`)";

// Trains a sentencepiece model of `type` on the corpus into dir/tokenizer.model; "" on failure.
std::string train(const TempDir& dir, const std::string& type, const std::vector<std::string>& corpus) {
  std::string text;
  for (const auto& line : corpus) text += line + "\n";
  core::write_file_atomic(dir / "corpus.txt", text);
  const auto r = run_command(reference_python() + " " + kScript + " train '" + (dir / "corpus.txt").string() +
                             "' '" + (dir / "tokenizer").string() + "' 1200 " + type);
  if (r.status != 0) {
    ADD_FAILURE() << "sentencepiece training failed: " << r.output << kHint;
    return {};
  }
  return (dir / "tokenizer.model").string();
}

class SentencePieceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SentencePieceTest, IdsAndDecodingMatchSentencePiece) {
  TempDir dir;
  const auto corpus = mixed_corpus();
  const std::string model = train(dir, GetParam(), corpus);
  if (model.empty()) return;
  core::write_file_atomic(dir / "strings.json", json(corpus).dump());
  const auto r = run_command(reference_python() + " " + kScript + " encode '" + model + "' '" +
                             (dir / "strings.json").string() + "' > '" + (dir / "ref.json").string() + "'");
  ASSERT_EQ(r.status, 0) << r.output << kHint;
  const json ref = json::parse(core::read_file(dir / "ref.json"));
  // No tokenizer.json in the folder: from_dir takes tokenizer.model.
  const Tokenizer tok = Tokenizer::from_dir(dir.path());
  ASSERT_TRUE(tok.special().bos.has_value());
  size_t mismatches = 0, decoded_with_controls = 0;
  for (size_t i = 0; i < corpus.size(); ++i) {
    const auto ids = tok.encode(corpus[i], false);
    const auto want = ref["ids"][i].get<std::vector<int32_t>>();
    if (ids != want && ++mismatches <= 5) {
      ADD_FAILURE() << "line " << i << " " << json(corpus[i]).dump() << "\n ours " << json(ids).dump()
                    << "\n   sp " << json(want).dump();
    }
    // sentencepiece decodes control pieces to nothing; we (like transformers) keep their text.
    const bool has_control = std::any_of(ids.begin(), ids.end(), [&](int32_t id) { return tok.is_special(id); });
    if (has_control) {
      ++decoded_with_controls;
      continue;
    }
    const std::string text = tok.decode(ids);
    if (text != ref["decoded"][i].get<std::string>() && ++mismatches <= 5) {
      ADD_FAILURE() << "decode line " << i << ": ours " << json(text).dump() << " vs sp " << ref["decoded"][i];
    }
    StreamDecoder stream(tok);
    std::string streamed;
    for (const int32_t id : ids) streamed += stream.push(id);
    streamed += stream.flush();
    EXPECT_EQ(streamed, text) << "line " << i;
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_LT(decoded_with_controls, corpus.size() / 2);
  // BOS is added by default (transformers' LlamaTokenizer), EOS is not.
  const auto with_bos = tok.encode("hello", true);
  ASSERT_FALSE(with_bos.empty());
  EXPECT_EQ(with_bos.front(), *tok.special().bos);
  EXPECT_NE(with_bos.back(), *tok.special().eos);
}

INSTANTIATE_TEST_SUITE_P(Models, SentencePieceTest, ::testing::Values("bpe", "unigram"));

TEST(SentencePiece, ConfigOverridesAndFilePrecedence) {
  TempDir dir;
  const std::string model = train(dir, "bpe", mixed_corpus(600));
  if (model.empty()) return;
  const Tokenizer tok = Tokenizer::from_sentencepiece(model, R"({"add_bos_token": false, "add_eos_token": true})");
  const auto ids = tok.encode("hello", true);
  ASSERT_FALSE(ids.empty());
  EXPECT_NE(ids.front(), *tok.special().bos);
  EXPECT_EQ(ids.back(), *tok.special().eos);
  EXPECT_EQ(tok.token_to_id("</s>"), tok.special().eos);
  EXPECT_FALSE(tok.token_to_id("no such piece").has_value());
  // tokenizer.json wins over tokenizer.model, as in transformers.
  core::write_file_atomic(dir / "tokenizer.json", trained_json());
  EXPECT_EQ(Tokenizer::from_dir(dir.path()).vocab_size(), trained().vocab_size());
}

TEST(SentencePiece, BrokenModelFileIsAClearError) {
  TempDir dir;
  core::write_file_atomic(dir / "tokenizer.model", "this is not a protobuf");
  std::string message;
  EXPECT_EQ(error_code_of([&] { Tokenizer::from_dir(dir.path()); }, &message), core::ErrorCode::kMalformedFile);
  EXPECT_NE(message.find("tokenizer.model"), std::string::npos) << message;
  TempDir empty;
  EXPECT_EQ(error_code_of([&] { Tokenizer::from_dir(empty.path()); }, &message), core::ErrorCode::kNotFound);
  EXPECT_NE(message.find("tokenizer.model"), std::string::npos) << message;
}

}  // namespace
}  // namespace llmcp::tokenizer::test

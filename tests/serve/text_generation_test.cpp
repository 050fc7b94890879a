// generate_batched keeps infer::generate's contract: for the same options it returns the same
// tokens, text and finish reason (length, EOS, a stop string), streams the same text, and a stop
// flag cancels it, also while the engine is busy with others.
#include <gtest/gtest.h>

#include <future>

#include "model/loader.h"
#include "model/synthetic.h"
#include "peft/peft_model.h"
#include "serve/text_generation.h"
#include "test_util.h"

namespace llmcp::serve {
namespace {

class TextGenerationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    model::SyntheticSpec spec;
    spec.seed = 3;
    model::create_synthetic_model(spec, *dir_ / "m");
    decoder_ = model::load_decoder(*dir_ / "m").release();
    tok_ = new tokenizer::Tokenizer(tokenizer::Tokenizer::from_dir(*dir_ / "m"));
    peft_ = new peft::PeftModel(*decoder_);
  }
  static void TearDownTestSuite() {
    delete peft_;
    delete tok_;
    delete decoder_;
    delete dir_;
  }
  static std::vector<int64_t> ids(const std::string& text) {
    auto v = tok_->encode(text, true);
    return {v.begin(), v.end()};
  }
  static testing::TempDir* dir_;
  static model::Decoder* decoder_;
  static tokenizer::Tokenizer* tok_;
  static peft::PeftModel* peft_;
};
testing::TempDir* TextGenerationTest::dir_ = nullptr;
model::Decoder* TextGenerationTest::decoder_ = nullptr;
tokenizer::Tokenizer* TextGenerationTest::tok_ = nullptr;
peft::PeftModel* TextGenerationTest::peft_ = nullptr;

TEST_F(TextGenerationTest, SameResultAsGenerate) {
  BatchEngine engine(*decoder_, *peft_, {.kv_cache_bytes = 32 << 20, .block_size = 8, .max_batch_tokens = 64, .max_running = 8});
  for (const std::string text : {"The weather in Paris is", "Once upon", "1 2 3 4 5 6 7 8 9 10 11 12"}) {
    infer::GenerateOptions o;
    o.max_new_tokens = 12;
    const auto plain = infer::generate(*decoder_, *tok_, ids(text), o);
    ASSERT_EQ(plain.finish_reason, "length");
    std::vector<infer::GenerateOptions> cases(3, o);
    cases[1].eos_ids = {plain.tokens[4]};                       // ends at the 5th token (or before)
    cases[2].stop_strings = {plain.text.substr(plain.text.size() / 2, 2)};  // a stop string inside the text
    for (auto& c : cases) {
      std::string streamed_ref, streamed;
      c.on_text = [&](const std::string& s) { streamed_ref += s; return true; };
      const auto want = infer::generate(*decoder_, *tok_, ids(text), c);
      c.on_text = [&](const std::string& s) { streamed += s; return true; };
      const auto got = generate_batched(engine, decoder_->config(), *tok_, ids(text), c, "");
      EXPECT_EQ(got.tokens, want.tokens) << text;
      EXPECT_EQ(got.text, want.text) << text;
      EXPECT_EQ(got.finish_reason, want.finish_reason) << text;
      EXPECT_EQ(streamed, streamed_ref) << text;
      EXPECT_EQ(got.prompt_tokens, want.prompt_tokens);
    }
  }
  EXPECT_EQ(engine.stats().kv_blocks_used, 0);
}

TEST_F(TextGenerationTest, AStopFlagCancels) {
  BatchEngine engine(*decoder_, *peft_, {.kv_cache_bytes = 32 << 20, .block_size = 8, .max_batch_tokens = 64, .max_running = 8});
  std::atomic<bool> stop{false};
  infer::GenerateOptions o;
  o.max_new_tokens = 2000;
  o.on_text = [&](const std::string&) {
    stop = true;  // the flag is seen at the next token
    return true;
  };
  const auto r = generate_batched(engine, decoder_->config(), *tok_, ids("Hello"), o, "", &stop);
  EXPECT_EQ(r.finish_reason, "cancelled");
  EXPECT_LT(r.tokens.size(), 2000u);
  // A prompt that does not fit the context fails as generate does, before anything runs.
  std::vector<int64_t> huge(static_cast<size_t>(decoder_->config().max_position + 1), 5);
  EXPECT_THROW(generate_batched(engine, decoder_->config(), *tok_, huge, {}, ""), core::Error);
}

}  // namespace
}  // namespace llmcp::serve

// Generation on a synthetic model: greedy decoding with the KV cache equals step-by-step argmax
// over full forwards; EOS and stop strings end generation exactly; streaming equals the result.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "core/error.h"
#include "infer/generate.h"
#include "model/loader.h"
#include "model/synthetic.h"
#include "test_util.h"
#include "tokenizer/tokenizer.h"

namespace llmcp::infer {
namespace {

class GenerateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    model::SyntheticSpec spec;
    spec.seed = 11;
    model::create_synthetic_model(spec, *dir_ / "m");
    decoder_ = model::load_decoder(*dir_ / "m").release();
    tok_ = new tokenizer::Tokenizer(tokenizer::Tokenizer::from_dir(*dir_ / "m"));
  }
  static void TearDownTestSuite() {
    delete tok_;
    delete decoder_;
    delete dir_;
  }
  static std::vector<int64_t> prompt() {
    auto ids = tok_->encode("The weather in Paris is", true);
    return {ids.begin(), ids.end()};
  }
  static testing::TempDir* dir_;
  static model::Decoder* decoder_;
  static tokenizer::Tokenizer* tok_;
};
testing::TempDir* GenerateTest::dir_ = nullptr;
model::Decoder* GenerateTest::decoder_ = nullptr;
tokenizer::Tokenizer* GenerateTest::tok_ = nullptr;

TEST_F(GenerateTest, GreedyEqualsArgmaxOfFullForward) {
  GenerateOptions opts;
  opts.max_new_tokens = 12;
  auto r = generate(*decoder_, *tok_, prompt(), opts);
  ASSERT_EQ(r.tokens.size(), 12u);
  EXPECT_EQ(r.finish_reason, "length");
  std::vector<int64_t> seq = prompt();
  for (int i = 0; i < 12; ++i) {
    auto logits = decoder_->forward(at::tensor(seq, at::kLong).view({1, -1}));
    int64_t next = logits[0][-1].argmax().item<int64_t>();
    EXPECT_EQ(r.tokens[i], next) << "step " << i;
    seq.push_back(next);
  }
}

TEST_F(GenerateTest, EosStopsExactly) {
  GenerateOptions opts;
  opts.max_new_tokens = 12;
  auto free_run = generate(*decoder_, *tok_, prompt(), opts);
  opts.eos_ids = {free_run.tokens[4]};
  auto r = generate(*decoder_, *tok_, prompt(), opts);
  EXPECT_EQ(r.finish_reason, "eos");
  // Stops at the first occurrence of that id, which may be before step 4.
  size_t first = std::find(free_run.tokens.begin(), free_run.tokens.end(), free_run.tokens[4]) - free_run.tokens.begin();
  EXPECT_EQ(r.tokens.size(), first + 1);
}

TEST_F(GenerateTest, StopStringCutsTextAndStreamingMatches) {
  GenerateOptions opts;
  opts.max_new_tokens = 24;
  auto free_run = generate(*decoder_, *tok_, prompt(), opts);
  ASSERT_GE(free_run.text.size(), 6u) << free_run.text;
  std::string stop = free_run.text.substr(free_run.text.size() / 2, 2);
  opts.stop_strings = {stop};
  std::string streamed;
  opts.on_text = [&](const std::string& s) {
    streamed += s;
    return true;
  };
  auto r = generate(*decoder_, *tok_, prompt(), opts);
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.text, free_run.text.substr(0, free_run.text.find(stop)));
  EXPECT_EQ(streamed, r.text);
}

TEST_F(GenerateTest, SeededSamplingReproducible) {
  GenerateOptions opts;
  opts.max_new_tokens = 10;
  opts.sampling = {.temperature = 1.0, .top_k = 50, .top_p = 0.95, .seed = 5};
  auto a = generate(*decoder_, *tok_, prompt(), opts);
  auto b = generate(*decoder_, *tok_, prompt(), opts);
  EXPECT_EQ(a.tokens, b.tokens);
  opts.sampling.seed = 6;
  auto c = generate(*decoder_, *tok_, prompt(), opts);
  EXPECT_NE(a.tokens, c.tokens);
}

TEST_F(GenerateTest, StreamingWithoutStopsEqualsText) {
  GenerateOptions opts;
  opts.max_new_tokens = 16;
  std::string streamed;
  opts.on_text = [&](const std::string& s) {
    streamed += s;
    return true;
  };
  auto r = generate(*decoder_, *tok_, prompt(), opts);
  EXPECT_EQ(streamed, r.text);
  std::vector<int32_t> ids(r.tokens.begin(), r.tokens.end());
  EXPECT_EQ(r.text, tok_->decode(ids, true));
}

TEST(GenerateVocabTest, NeverPicksIdsWithoutText) {
  // The model's vocab (1024) is larger than its tokenizer's (512), as with padded embeddings.
  testing::TempDir dir;
  model::SyntheticSpec spec;
  spec.seed = 4;
  spec.overrides = {{"vocab_size", 1024}};
  model::create_synthetic_model(spec, dir / "m");
  auto d = model::load_decoder(dir / "m");
  auto tok = tokenizer::Tokenizer::from_dir(dir / "m");
  ASSERT_EQ(tok.vocab_size(), 512);
  GenerateOptions opts;
  opts.max_new_tokens = 40;
  opts.sampling = {.temperature = 2.0, .seed = 1};
  auto r = generate(*d, tok, {1, 100, 200}, opts);
  EXPECT_EQ(r.tokens.size(), 40u);
  for (auto id : r.tokens) EXPECT_LT(id, 512);
}

}  // namespace
}  // namespace llmcp::infer

namespace llmcp::infer {
namespace {

// Prompt + new tokens against the model's context (issue 22: a 3,002-token prompt on a
// 1,024-token model ran silently past it).
TEST(FitContextTest, TheContextBoundsPromptAndNewTokens) {
  GenerateOptions o;
  o.max_new_tokens = 100;
  auto error_of = [&](int64_t n) {
    try {
      fit_context(n, 1024, o);
    } catch (const core::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(error_of(924), "");  // exactly fills the context
  const std::string both = error_of(925);
  EXPECT_NE(both.find("925 tokens plus max_new_tokens 100 exceed the model's context of 1024"), std::string::npos) << both;
  EXPECT_NE(both.find("at most 99"), std::string::npos) << both;
  const std::string prompt = error_of(3002);
  EXPECT_NE(prompt.find("the prompt has 3002 tokens, but the model's context is 1024"), std::string::npos) << prompt;
  EXPECT_NE(prompt.find("truncat"), std::string::npos) << prompt;
  // A default max_new_tokens is shortened instead.
  o.max_new_tokens_given = false;
  EXPECT_EQ(fit_context(1000, 1024, o).max_new_tokens, 24);
  EXPECT_THROW(fit_context(1024, 1024, o), core::Error);
  // Truncation keeps the prompt's last tokens and room for the new ones.
  o.truncate_prompt = true;
  const auto f = fit_context(3002, 1024, o);
  EXPECT_EQ(f.first, 3002 - 924);
  EXPECT_EQ(f.max_new_tokens, 100);
  EXPECT_EQ(fit_context(10, 1024, o).first, 0);
  EXPECT_EQ(fit_context(10, 0, o).first, 0);  // no max_position_embeddings: nothing to check
}

}  // namespace
}  // namespace llmcp::infer

namespace llmcp::infer {
namespace {

// A model whose weights hold NaN used to generate tokens that decode to nothing, with exit 0.
TEST(GenerateNanTest, NonFiniteOutputIsAnErrorThatSaysSo) {
  testing::TempDir dir;
  model::SyntheticSpec spec;
  spec.seed = 3;
  model::create_synthetic_model(spec, dir / "m");
  auto decoder = model::load_decoder(dir / "m");
  const auto tok = tokenizer::Tokenizer::from_dir(dir / "m");
  for (auto& s : decoder->tensors())
    if (s.name.find("layers.0.mlp.down_proj") != std::string::npos) s.tensor->detach().fill_(NAN);
  auto ids = tok.encode("hello", true);
  GenerateOptions opts;
  opts.max_new_tokens = 4;
  try {
    generate(*decoder, tok, {ids.begin(), ids.end()}, opts);
    ADD_FAILURE() << "NaN weights generated without an error";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a number (NaN or infinite)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace llmcp::infer

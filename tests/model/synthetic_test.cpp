// Synthetic models: the big presets have the real models' published parameter counts (from
// shared/hf-files/MODEL-SHAPES.md), files are reproducible from the seed, and the folder is a
// complete HF model (tokenizer adds BOS, config round-trips through the architecture's parser).
#include <gtest/gtest.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "model/arch_registry.h"
#include "model/synthetic.h"
#include "test_util.h"
#include "tokenizer/tokenizer.h"

namespace llmcp::model {
namespace {

int64_t params_of(const std::string& family, const std::string& preset) {
  SyntheticSpec s;
  s.family = family;
  s.preset = preset;
  return synthetic_config(s).parameter_count();
}

TEST(SyntheticTest, PresetsHaveRealShapes) {
  EXPECT_EQ(params_of("llama", "7b"), 6738415616);    // Llama-2-7b
  EXPECT_EQ(params_of("mistral", "7b"), 7241732096);  // Mistral-7B
  EXPECT_EQ(params_of("llama", "8b"), 8030261248);    // Meta-Llama-3-8B
  EXPECT_EQ(params_of("mixtral", "7b"), 46702792704);  // Mixtral-8x7B
  EXPECT_EQ(params_of("falcon", "7b"), 6921720704);    // falcon-7b
  EXPECT_EQ(params_of("falcon-rw", "7b"), 6921720704);
  EXPECT_NEAR(double(params_of("llama", "tiny")), 1e6, 2e5);
  EXPECT_NEAR(double(params_of("llama", "small")), 1.25e8, 2e7);
  EXPECT_THROW(params_of("mistral", "8b"), core::Error);
  EXPECT_THROW(params_of("llama", "13x"), core::Error);
}

TEST(SyntheticTest, SeedDeterminesWeights) {
  testing::TempDir dir;
  SyntheticSpec s;
  s.seed = 9;
  create_synthetic_model(s, dir / "a");
  create_synthetic_model(s, dir / "b");
  s.seed = 10;
  create_synthetic_model(s, dir / "c");
  auto bytes = [&](const char* m) { return core::read_file(dir / m / "model.safetensors"); };
  EXPECT_EQ(bytes("a"), bytes("b"));
  EXPECT_NE(bytes("a"), bytes("c"));
  EXPECT_EQ(core::read_file(dir / "a" / "tokenizer.json"), core::read_file(dir / "c" / "tokenizer.json"));
}

TEST(SyntheticTest, FolderIsACompleteModel) {
  testing::TempDir dir;
  SyntheticSpec s;
  s.family = "mistral";
  s.overrides = {{"tie_word_embeddings", true}, {"sliding_window", 16}};
  create_synthetic_model(s, dir / "m");
  auto c = load_decoder_config(dir / "m");
  EXPECT_EQ(c.architecture, "MistralForCausalLM");
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_EQ(c.sliding_window, 16);
  auto tok = tokenizer::Tokenizer::from_dir(dir / "m");
  auto ids = tok.encode("Hello world", true);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.front(), 1);  // <s>
  EXPECT_EQ(tok.decode(ids, true), "Hello world");
  EXPECT_EQ(tok.special().eos, 2);
}

TEST(SyntheticTest, ReshapedPresetDerivesHeadDimLikeHf) {
  SyntheticSpec s;
  s.overrides = {{"hidden_size", 256}, {"num_attention_heads", 4}};
  EXPECT_EQ(synthetic_config(s).head_dim, 64);  // LlamaConfig: hidden_size // num_attention_heads
  s.overrides["head_dim"] = 32;
  EXPECT_EQ(synthetic_config(s).head_dim, 32);
}

TEST(SyntheticTest, ExtraTokensAndChatTemplate) {
  testing::TempDir dir;
  core::write_file_atomic(dir / "t.jinja", "{% for m in messages %}<|im_start|>{{ m.content }}<|im_end|>{% endfor %}");
  SyntheticSpec s;
  s.extra_special_tokens = {"<|im_start|>", "<|im_end|>"};
  s.extra_added_tokens = {"<tool_call>"};
  s.chat_template = (dir / "t.jinja").string();
  create_synthetic_model(s, dir / "m");
  auto tok = tokenizer::Tokenizer::from_dir(dir / "m");
  auto ids = tok.encode("<|im_start|>hi<tool_call><|im_end|>", false);
  ASSERT_GE(ids.size(), 4U);
  EXPECT_EQ(ids.front(), 4);  // after <unk> <s> </s> <pad>
  EXPECT_EQ(ids.back(), 5);
  EXPECT_EQ(ids[ids.size() - 2], 6);
  // Special tokens are dropped when decoding with skip_special_tokens, plain added ones are kept.
  EXPECT_EQ(tok.decode(ids, true), "hi<tool_call>");
  EXPECT_EQ(core::read_file(dir / "m" / "chat_template.jinja"), core::read_file(dir / "t.jinja"));
}

}  // namespace
}  // namespace llmcp::model

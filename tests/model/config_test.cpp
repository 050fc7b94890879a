// Real HF config.json files (tests/fixtures/hf-files, byte copies from the model repos) map onto
// the decoder with the published shapes and parameter counts (MODEL-SHAPES.md); the models whose
// config.json is not in the fixtures are checked with their published values; unsupported input
// is refused with a message that lists what is supported.
#include <gtest/gtest.h>

#include "core/error.h"
#include "io/hf_config.h"
#include "model/arch_registry.h"
#include "test_util.h"

namespace llmcp::model {
namespace {

DecoderConfig load_decoder_config_json(const nlohmann::json& j) {
  auto hf = io::HfConfig::from_json(j, "test config");
  return find_arch(hf.architecture()).parse_config(hf);
}

std::filesystem::path fixture(const std::string& name) {
  return testing::source_dir() / "tests/fixtures/hf-files" / name;
}

TEST(ConfigTest, Llama2_7b) {
  auto c = load_decoder_config(fixture("meta-llama--Llama-2-7b-hf"));
  EXPECT_EQ(c.architecture, "LlamaForCausalLM");
  EXPECT_EQ(c.hidden_size, 4096);
  EXPECT_EQ(c.num_kv_heads, 32);
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_DOUBLE_EQ(c.norm_eps, 1e-5);
  EXPECT_EQ(c.parameter_count(), 6738415616);  // published count (MODEL-SHAPES.md)
  EXPECT_EQ(c.eos_token_ids, std::vector<int64_t>{2});
  auto g = io::load_generation_defaults(fixture("meta-llama--Llama-2-7b-hf"));
  EXPECT_EQ(g.eos_token_ids, std::vector<int64_t>{2});
}

TEST(ConfigTest, Mistral7bHasSlidingWindowAndGqa) {
  auto c = load_decoder_config(fixture("mistralai--Mistral-7B-v0.1"));
  EXPECT_EQ(c.architecture, "MistralForCausalLM");
  ASSERT_TRUE(c.sliding_window.has_value());
  EXPECT_EQ(*c.sliding_window, 4096);
  EXPECT_EQ(c.num_kv_heads, 8);
  EXPECT_EQ(c.parameter_count(), 7241732096);
}

TEST(ConfigTest, MistralWindowDefaultsAndNull) {
  nlohmann::json j = {{"architectures", {"MistralForCausalLM"}}, {"hidden_size", 64}, {"intermediate_size", 128},
                      {"num_hidden_layers", 1}, {"num_attention_heads", 4}, {"vocab_size", 10}};
  const auto& arch = find_arch("MistralForCausalLM");
  EXPECT_EQ(arch.parse_config(io::HfConfig::from_json(j, "t")).sliding_window, 4096);  // MistralConfig default
  j["sliding_window"] = nullptr;
  EXPECT_FALSE(arch.parse_config(io::HfConfig::from_json(j, "t")).sliding_window.has_value());
  j["architectures"] = {"LlamaForCausalLM"};
  j["sliding_window"] = 8;
  EXPECT_FALSE(find_arch("LlamaForCausalLM").parse_config(io::HfConfig::from_json(j, "t")).sliding_window);
}

TEST(ConfigTest, Llama31RopeScalingAndEosList) {
  // Llama-3.1-8B's published config values (its config.json is not in the fixtures).
  nlohmann::json j = {
      {"architectures", {"LlamaForCausalLM"}}, {"hidden_size", 4096}, {"intermediate_size", 14336},
      {"num_hidden_layers", 32}, {"num_attention_heads", 32}, {"num_key_value_heads", 8},
      {"vocab_size", 128256}, {"rope_theta", 500000.0}, {"max_position_embeddings", 131072},
      {"eos_token_id", {128001, 128008, 128009}}, {"torch_dtype", "bfloat16"},
      {"rope_scaling", {{"factor", 8.0}, {"low_freq_factor", 1.0}, {"high_freq_factor", 4.0},
                        {"original_max_position_embeddings", 8192}, {"rope_type", "llama3"}}}};
  auto c = find_arch("LlamaForCausalLM").parse_config(io::HfConfig::from_json(j, "test"));
  EXPECT_EQ(c.rope.scaling, RopeScaling::kLlama3);
  EXPECT_EQ(c.rope.original_max_position, 8192);
  EXPECT_EQ(c.eos_token_ids.size(), 3u);
  EXPECT_EQ(c.parameter_count(), 8030261248);  // same shapes as Meta-Llama-3-8B
}

TEST(ConfigTest, UnsupportedArchitectureListsSupported) {
  nlohmann::json j = {{"architectures", {"Qwen2ForCausalLM"}}, {"hidden_size", 64}};
  try {
    load_decoder_config_json(j);
    FAIL() << "Qwen2 is not registered";
  } catch (const core::Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(e.code(), core::ErrorCode::kUnsupported);
    for (const char* name : {"Qwen2ForCausalLM", "LlamaForCausalLM", "MistralForCausalLM", "MixtralForCausalLM",
                             "FalconForCausalLM", "RWForCausalLM"})
      EXPECT_NE(msg.find(name), std::string::npos) << name << " in: " << msg;
  }
}

TEST(ConfigTest, BadValuesNameTheKey) {
  nlohmann::json j = {{"architectures", {"LlamaForCausalLM"}}, {"hidden_size", "big"}};
  try {
    find_arch("LlamaForCausalLM").parse_config(io::HfConfig::from_json(j, "cfg"));
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("vocab_size"), std::string::npos) << e.what();
  }
  j["vocab_size"] = 10;
  try {
    find_arch("LlamaForCausalLM").parse_config(io::HfConfig::from_json(j, "cfg"));
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("hidden_size"), std::string::npos) << e.what();
  }
  nlohmann::json yarn = {{"architectures", {"LlamaForCausalLM"}}, {"hidden_size", 64}, {"intermediate_size", 128},
                         {"num_hidden_layers", 1}, {"num_attention_heads", 4}, {"vocab_size", 10},
                         {"rope_scaling", {{"rope_type", "yarn"}, {"factor", 2.0}}}};
  EXPECT_THROW(find_arch("LlamaForCausalLM").parse_config(io::HfConfig::from_json(yarn, "cfg")), core::Error);
  // Wrong JSON types are our errors naming the key, never a JSON library exception.
  yarn["rope_scaling"] = {{"rope_type", 5}};
  try {
    find_arch("LlamaForCausalLM").parse_config(io::HfConfig::from_json(yarn, "cfg"));
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("rope_type"), std::string::npos) << e.what();
  }
  yarn["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 8.0}};  // original_max_position_embeddings missing
  EXPECT_THROW(find_arch("LlamaForCausalLM").parse_config(io::HfConfig::from_json(yarn, "cfg")), core::Error);
  yarn["rope_scaling"] = nullptr;
  yarn["max_position_embeddings"] = 1e20;
  EXPECT_THROW(find_arch("LlamaForCausalLM").parse_config(io::HfConfig::from_json(yarn, "cfg")), core::Error);
  yarn["max_position_embeddings"] = 0;
  auto zero = find_arch("LlamaForCausalLM").parse_config(io::HfConfig::from_json(yarn, "cfg"));
  EXPECT_THROW(zero.validate(), core::Error);
}

}  // namespace
}  // namespace llmcp::model

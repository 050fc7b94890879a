// Falcon (both published config formats), Mixtral, CodeLlama and the Llama sizes of the seed's
// support matrix: the real config.json files in tests/fixtures/hf-files parse into the published
// shapes and parameter counts (MODEL-SHAPES.md); models whose config.json is not in the fixtures
// are built from their published values. Falcon's four block layouts survive a write/parse round
// trip, and configs we cannot run are refused naming the key.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/error.h"
#include "io/hf_config.h"
#include "model/arch_registry.h"
#include "model/parameters.h"
#include "test_util.h"

namespace llmcp::model {
namespace {

std::filesystem::path fixture(const std::string& name) { return testing::source_dir() / "tests/fixtures/hf-files" / name; }

DecoderConfig parse_json(const nlohmann::json& j) {
  auto hf = io::HfConfig::from_json(j, "test config");
  auto c = find_arch(hf.architecture()).parse_config(hf);
  c.validate();
  return c;
}

// name -> shape of every tensor the config implies.
std::map<std::string, std::vector<int64_t>> shapes(const DecoderConfig& c) {
  std::map<std::string, std::vector<int64_t>> out;
  for (const auto& s : parameter_specs(c, find_arch(c.architecture).names(c))) out[s.name] = s.shape;
  return out;
}

TEST(FamilyConfigTest, Falcon7bInBothFormats) {
  for (const char* dir : {"tiiuae--falcon-7b", "tiiuae--falcon-7b-instruct"}) {
    SCOPED_TRACE(dir);
    auto c = load_decoder_config(fixture(dir));
    EXPECT_EQ(c.hidden_size, 4544);
    EXPECT_EQ(c.num_heads, 71);
    EXPECT_EQ(c.num_kv_heads, 1);  // multi_query
    EXPECT_EQ(c.head_dim, 64);
    EXPECT_EQ(c.num_layers, 32);
    EXPECT_EQ(c.intermediate_size, 4 * 4544);
    EXPECT_EQ(c.norm, NormKind::kLayerNorm);
    EXPECT_EQ(c.mlp, MlpKind::kGelu);
    EXPECT_EQ(c.qkv, QkvKind::kFused);
    EXPECT_EQ(c.block, BlockKind::kParallel);
    EXPECT_TRUE(c.shared_block_norm);
    EXPECT_TRUE(c.tie_word_embeddings);
    EXPECT_FALSE(c.attention_bias);
    EXPECT_EQ(c.eos_token_ids, std::vector<int64_t>{11});
    EXPECT_EQ(c.parameter_count(), 6921720704);  // published
    auto s = shapes(c);
    EXPECT_EQ(s.at("transformer.h.0.self_attention.query_key_value.weight"), (std::vector<int64_t>{4672, 4544}));
    EXPECT_EQ(s.at("transformer.h.31.mlp.dense_4h_to_h.weight"), (std::vector<int64_t>{4544, 18176}));
    EXPECT_TRUE(s.count("transformer.h.0.input_layernorm.bias"));
    EXPECT_FALSE(s.count("transformer.h.0.post_attention_layernorm.weight"));
    EXPECT_FALSE(s.count("lm_head.weight"));  // tied
    int64_t total = 0;
    for (const auto& [name, shape] : s) {
      int64_t n = 1;
      for (auto d : shape) n *= d;
      total += n;
    }
    EXPECT_EQ(total, c.parameter_count());  // the tensor list and the count agree
  }
}

TEST(FamilyConfigTest, Falcon40bLegacyIsTheNewDecoderArchitecture) {
  auto c = load_decoder_config(fixture("tiiuae--falcon-40b"));
  EXPECT_EQ(c.architecture, "RWForCausalLM");
  EXPECT_EQ(c.num_heads, 128);
  EXPECT_EQ(c.num_kv_heads, 8);  // n_head_kv
  EXPECT_EQ(c.num_layers, 60);
  EXPECT_EQ(c.block, BlockKind::kParallel);
  EXPECT_FALSE(c.shared_block_norm);
  EXPECT_EQ(c.parameter_count(), 41303293952);  // published
  auto s = shapes(c);
  EXPECT_EQ(s.at("transformer.h.0.self_attention.query_key_value.weight"), (std::vector<int64_t>{(128 + 16) * 64, 8192}));
  EXPECT_TRUE(s.count("transformer.h.59.ln_attn.weight"));
  EXPECT_TRUE(s.count("transformer.h.59.ln_mlp.bias"));
  EXPECT_FALSE(s.count("transformer.h.0.input_layernorm.weight"));
}

TEST(FamilyConfigTest, Mixtral8x7b) {
  auto c = load_decoder_config(fixture("mistralai--Mixtral-8x7B-v0.1"));
  ASSERT_TRUE(c.moe.has_value());
  EXPECT_EQ(c.moe->num_experts, 8);
  EXPECT_EQ(c.moe->top_k, 2);
  EXPECT_DOUBLE_EQ(c.moe->aux_loss_coef, 0.02);
  EXPECT_FALSE(c.moe->output_router_logits);
  EXPECT_FALSE(c.sliding_window.has_value());  // "sliding_window": null
  EXPECT_DOUBLE_EQ(c.rope.theta, 1e6);
  EXPECT_EQ(c.parameter_count(), 46702792704);  // published
  auto s = shapes(c);
  EXPECT_EQ(s.at("model.layers.0.block_sparse_moe.gate.weight"), (std::vector<int64_t>{8, 4096}));
  EXPECT_EQ(s.at("model.layers.31.block_sparse_moe.experts.7.w2.weight"), (std::vector<int64_t>{4096, 14336}));
  EXPECT_EQ(s.at("model.layers.0.block_sparse_moe.experts.0.w3.weight"), (std::vector<int64_t>{14336, 4096}));
  EXPECT_FALSE(s.count("model.layers.0.mlp.up_proj.weight"));
}

// Published values of the support matrix's Llama-architecture models (MODEL-SHAPES.md) and their
// published sizes; the count must be within 0.5%.
TEST(FamilyConfigTest, LlamaFamilySizes) {
  struct Model {
    const char* name;
    int64_t hidden, inter, layers, heads, kv, vocab;
    double theta;
    int64_t max_pos;
    double published;
  };
  const Model models[] = {
      {"Llama-2-13b", 5120, 13824, 40, 40, 40, 32000, 1e4, 4096, 13.0e9},
      {"Llama-2-70b", 8192, 28672, 80, 64, 8, 32000, 1e4, 4096, 69.0e9},
      {"Meta-Llama-3-8B", 4096, 14336, 32, 32, 8, 128256, 5e5, 8192, 8.03e9},
      {"Meta-Llama-3-70B", 8192, 28672, 80, 64, 8, 128256, 5e5, 8192, 70.6e9},
      {"CodeLlama-7b", 4096, 11008, 32, 32, 32, 32016, 1e6, 16384, 6.74e9},
      {"CodeLlama-13b", 5120, 13824, 40, 40, 40, 32016, 1e6, 16384, 13.0e9},
      {"CodeLlama-34b", 8192, 22016, 48, 64, 8, 32000, 1e6, 16384, 33.7e9},
  };
  for (const auto& m : models) {
    SCOPED_TRACE(m.name);
    auto c = parse_json({{"architectures", {"LlamaForCausalLM"}}, {"hidden_size", m.hidden},
                         {"intermediate_size", m.inter}, {"num_hidden_layers", m.layers},
                         {"num_attention_heads", m.heads}, {"num_key_value_heads", m.kv}, {"vocab_size", m.vocab},
                         {"rope_theta", m.theta}, {"max_position_embeddings", m.max_pos}});
    EXPECT_DOUBLE_EQ(c.rope.theta, m.theta);
    EXPECT_EQ(c.max_position, m.max_pos);
    EXPECT_EQ(c.head_dim, 128);
    EXPECT_LT(std::abs(static_cast<double>(c.parameter_count()) / m.published - 1.0), 0.005);
  }
}

TEST(FamilyConfigTest, FalconLayoutsSurviveWriteAndParse) {
  struct Layout {
    const char* name;
    nlohmann::json keys;
    int64_t kv;
    BlockKind block;
    bool shared;
  };
  const Layout layouts[] = {
      {"7b multi-query", {{"multi_query", true}}, 1, BlockKind::kParallel, true},
      {"one KV head per head, sequential", {{"multi_query", false}, {"parallel_attn", false}}, 4, BlockKind::kSequential, false},
      {"40b two norms", {{"new_decoder_architecture", true}, {"num_kv_heads", 2}}, 2, BlockKind::kParallel, false},
      {"new architecture, one norm",
       {{"new_decoder_architecture", true}, {"num_kv_heads", 2}, {"num_ln_in_parallel_attn", 1}}, 2,
       BlockKind::kParallel, true},
  };
  for (const auto& l : layouts) {
    SCOPED_TRACE(l.name);
    nlohmann::json j = {{"architectures", {"FalconForCausalLM"}}, {"hidden_size", 64}, {"num_hidden_layers", 2},
                        {"num_attention_heads", 4}, {"vocab_size", 100}};
    j.update(l.keys);
    auto c = parse_json(j);
    EXPECT_EQ(c.num_kv_heads, l.kv);
    EXPECT_EQ(c.block, l.block);
    EXPECT_EQ(c.shared_block_norm, l.shared);
    auto again = parse_json(find_arch("FalconForCausalLM").write_config(c));
    EXPECT_EQ(again.num_kv_heads, c.num_kv_heads);
    EXPECT_EQ(again.block, c.block);
    EXPECT_EQ(again.shared_block_norm, c.shared_block_norm);
    EXPECT_EQ(shapes(again), shapes(c));
    // The legacy format expresses the published layouts (7b, 40b) and the sequential one.
    if (std::string(l.name) != "new architecture, one norm") {
      c.architecture = "RWForCausalLM";
      auto legacy = parse_json(find_arch("RWForCausalLM").write_config(c));
      EXPECT_EQ(legacy.num_kv_heads, c.num_kv_heads);
      EXPECT_EQ(legacy.block, c.block);
      EXPECT_EQ(legacy.shared_block_norm, c.shared_block_norm);
    }
  }
}

std::string error_of(const nlohmann::json& j) {
  try {
    parse_json(j);
  } catch (const core::Error& e) {
    return e.what();
  }
  return "";
}

TEST(FamilyConfigTest, RefusedConfigsNameTheKey) {
  nlohmann::json falcon = {{"architectures", {"FalconForCausalLM"}}, {"hidden_size", 64}, {"num_hidden_layers", 2},
                           {"num_attention_heads", 4}, {"vocab_size", 100}};
  auto with = [](nlohmann::json j, const nlohmann::json& extra) {
    j.update(extra);
    return j;
  };
  EXPECT_NE(error_of(with(falcon, {{"alibi", true}})).find("ALiBi"), std::string::npos);
  EXPECT_NE(error_of(with(falcon, {{"new_decoder_architecture", true}, {"parallel_attn", false}})).find("parallel_attn"),
            std::string::npos);
  EXPECT_NE(error_of(with(falcon, {{"activation", "relu"}})).find("activation"), std::string::npos);
  EXPECT_NE(error_of(with(falcon, {{"num_attention_heads", 5}})).find("multiple"), std::string::npos);
  nlohmann::json mixtral = {{"architectures", {"MixtralForCausalLM"}}, {"hidden_size", 64}, {"intermediate_size", 96},
                            {"num_hidden_layers", 2}, {"num_attention_heads", 4}, {"vocab_size", 100}};
  EXPECT_NE(error_of(with(mixtral, {{"num_local_experts", 2}, {"num_experts_per_tok", 3}})).find("num_experts_per_tok"),
            std::string::npos);
  EXPECT_NE(error_of(with(mixtral, {{"router_jitter_noise", 1.5}})).find("router_jitter_noise"), std::string::npos);
  EXPECT_EQ(error_of(mixtral), "");
}

}  // namespace
}  // namespace llmcp::model

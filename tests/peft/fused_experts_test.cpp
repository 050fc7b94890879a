// PEFT's fused-expert LoRA (target_parameters) read as per-expert LoRA: every expert's delta equals
// PEFT's ParamWrapper formula delta[e] = B.reshape(out, r, E)[:, :, e] @ A.reshape(E, r, in)[e];
// ranks come from the tensors, alphas from alpha_pattern; what cannot be read is refused.
#include <gtest/gtest.h>

#include "core/error.h"
#include "peft/fused_experts.h"

namespace llmcp::peft {
namespace {

using nlohmann::ordered_json;

std::vector<std::string> expert_modules(int64_t layers, int64_t experts) {
  std::vector<std::string> out;
  for (int64_t l = 0; l < layers; ++l)
    for (int64_t e = 0; e < experts; ++e)
      for (const char* w : {"w1", "w2", "w3"})
        out.push_back("model.layers." + std::to_string(l) + ".block_sparse_moe.experts." + std::to_string(e) + "." + w);
  return out;
}

TEST(FusedExperts, PerExpertDeltasEqualParamWrappersFormula) {
  const int64_t E = 3, r = 2, H = 8, I = 5;
  at::manual_seed(0);
  auto a_gu = at::randn({E * 2 * r, H}), b_gu = at::randn({2 * I, E * 2 * r});
  auto a_d = at::randn({E * r, I}), b_d = at::randn({H, E * r});
  std::map<std::string, at::Tensor> tensors = {
      {"base_model.model.model.layers.0.mlp.experts.base_layer.lora_A.weight", a_gu},
      {"base_model.model.model.layers.0.mlp.experts.base_layer.lora_B.weight", b_gu},
      {"base_model.model.model.layers.0.mlp.experts.lora_A.weight", a_d},
      {"base_model.model.model.layers.0.mlp.experts.lora_B.weight", b_d},
      {"base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", at::zeros({r, H})}};
  auto config = ordered_json::parse(R"({"r": 2, "lora_alpha": 8, "target_modules": ["q_proj"],
      "target_parameters": ["down_proj", "gate_up_proj"], "rank_pattern": {".*\\.gate_up_proj": 4},
      "alpha_pattern": {".*\\.gate_up_proj": 16}})");
  unfuse_expert_lora(config, tensors, expert_modules(1, E), E, I, H, "test");
  EXPECT_FALSE(config.contains("target_parameters"));
  EXPECT_EQ(config["target_modules"], ordered_json({"q_proj", "w2", "w1", "w3"}));  // in target_parameters order
  const std::string gate_up = R"(model\.layers\.0\.block_sparse_moe\.experts\.\d+\.w[13])";
  const std::string down = R"(model\.layers\.0\.block_sparse_moe\.experts\.\d+\.w2)";
  EXPECT_EQ(config["rank_pattern"][gate_up], 4);
  EXPECT_EQ(config["rank_pattern"][down], 2);
  EXPECT_EQ(config["alpha_pattern"][gate_up], 16.0);
  EXPECT_EQ(config["alpha_pattern"][down], 8.0);
  EXPECT_TRUE(tensors.count("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"));
  auto want_gu = at::einsum("ore,eri->eoi", {b_gu.reshape({2 * I, 2 * r, E}), a_gu.reshape({E, 2 * r, H})});
  auto want_d = at::einsum("ore,eri->eoi", {b_d.reshape({H, r, E}), a_d.reshape({E, r, I})});
  for (int64_t e = 0; e < E; ++e) {
    auto key = [&](const char* w, const char* ab) {
      return "base_model.model.model.layers.0.block_sparse_moe.experts." + std::to_string(e) + "." + w + ".lora_" + ab +
             ".weight";
    };
    auto delta = [&](const char* w) { return at::matmul(tensors.at(key(w, "B")), tensors.at(key(w, "A"))); };
    EXPECT_TRUE(at::allclose(delta("w1"), want_gu[e].narrow(0, 0, I), 1e-5, 1e-5)) << e;
    EXPECT_TRUE(at::allclose(delta("w3"), want_gu[e].narrow(0, I, I), 1e-5, 1e-5)) << e;
    EXPECT_TRUE(at::allclose(delta("w2"), want_d[e], 1e-5, 1e-5)) << e;
  }
}

TEST(FusedExperts, RefusesWhatItCannotRead) {
  std::map<std::string, at::Tensor> tensors;
  auto other = ordered_json::parse(R"({"r": 2, "target_parameters": ["self_attn.qkv"]})");
  EXPECT_THROW(unfuse_expert_lora(other, tensors, expert_modules(1, 2), 2, 4, 8, "t"), core::Error);
  auto dense_model = ordered_json::parse(R"({"r": 2, "target_parameters": ["mlp.experts.down_proj"]})");
  EXPECT_THROW(unfuse_expert_lora(dense_model, tensors, {}, 0, 4, 8, "t"), core::Error);
  auto dora = ordered_json::parse(R"({"r": 2, "use_dora": true, "target_parameters": ["mlp.experts.down_proj"]})");
  EXPECT_THROW(unfuse_expert_lora(dora, tensors, expert_modules(1, 2), 2, 4, 8, "t"), core::Error);
  std::map<std::string, at::Tensor> bad = {{"base_model.model.model.layers.0.mlp.experts.lora_A.weight", at::zeros({3, 4})},
                                           {"base_model.model.model.layers.0.mlp.experts.lora_B.weight", at::zeros({8, 3})}};
  auto shapes = ordered_json::parse(R"({"r": 2, "target_parameters": ["mlp.experts.down_proj"]})");
  EXPECT_THROW(unfuse_expert_lora(shapes, bad, expert_modules(1, 2), 2, 4, 8, "t"), core::Error);  // 3 rows, 2 experts
  EXPECT_TRUE(has_target_parameters(ordered_json::parse(R"({"target_parameters": ["x"]})")));
  EXPECT_FALSE(has_target_parameters(ordered_json::parse(R"({"target_parameters": []})")));
  EXPECT_FALSE(has_target_parameters(ordered_json::parse(R"({"target_parameters": null})")));
}

}  // namespace
}  // namespace llmcp::peft

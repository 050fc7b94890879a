// Every training method on every model family's tiny model: LoRA, DoRA, QLoRA, sparse and full
// fine-tuning each run a few steps on Mixtral, Falcon (both layouts, both config formats), Llama
// and Llama with CodeLlama's and Llama-3.1's config values (rope_theta 1e6 / 16k context; llama3
// rope_scaling / 128k vocabulary), the loss goes down, and the adapter holds the family's own module names (Mixtral's
// experts and router, Falcon's query_key_value). Mixtral's load-balancing loss enters the
// objective exactly as coefficient x the logged router loss.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "train/trainer.h"
#include "trainer_test_util.h"

namespace llmcp::train {
namespace {

using testing::read_all;

struct Family {
  const char* name;
  const char* family;
  const char* overrides;
  const char* adapter_key;  // a tensor an all-linear LoRA adapter must hold
};

const Family kFamilies[] = {
    {"llama", "llama", "{}", "base_model.model.model.layers.1.mlp.down_proj.lora_A.weight"},
    // CodeLlama's and Llama-3.1's published config values on tiny layers.
    {"codellama", "llama", R"({"rope_theta": 1000000.0, "max_position_embeddings": 16384, "vocab_size": 32016})",
     "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"},
    {"llama31", "llama",
     R"({"rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
         "original_max_position_embeddings": 8192}, "rope_theta": 500000.0, "max_position_embeddings": 131072,
         "vocab_size": 128256})",
     "base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight"},
    {"mixtral", "mixtral", "{}", "base_model.model.model.layers.1.block_sparse_moe.experts.3.w2.lora_A.weight"},
    {"falcon_7b", "falcon", "{}", "base_model.model.transformer.h.0.self_attention.query_key_value.lora_B.weight"},
    {"falcon_40b_legacy", "falcon-rw", R"({"n_head_kv": 2})",
     "base_model.model.transformer.h.1.mlp.dense_4h_to_h.lora_A.weight"},
};
const Family& family(const std::string& name) {
  for (const auto& f : kFamilies)
    if (name == f.name) return f;
  throw std::runtime_error("no family " + name);
}

const char* kMethods[] = {"lora", "dora", "qlora", "sparse", "full"};

using Param = std::tuple<Family, const char*>;

class FamiliesTest : public ::testing::TestWithParam<Param> {};

void make_family_model(const std::filesystem::path& dir, const Family& f) {
  model::SyntheticSpec spec;
  spec.family = f.family;
  spec.seed = 5;
  spec.overrides = nlohmann::json::parse(f.overrides);
  spec.overrides["num_hidden_layers"] = 2;
  model::create_synthetic_model(spec, dir);
}

TEST_P(FamiliesTest, MethodTrainsTheFamily) {
  const auto& [family, method] = GetParam();
  llmcp::testing::TempDir dir;
  make_family_model(dir / "m", family);
  testing::write_instruction_data(dir / "d.jsonl", 8);
  auto c = testing::config(dir, "out");
  c["method"] = method;
  c["max_steps"] = 4;
  c["batch_size"] = 8;  // one batch: every step sees the same examples
  c["lr_scheduler"] = "constant";
  if (std::string(method) == "sparse") c["sparsity_ratio"] = 0.9;
  if (std::string(method) == "full") {
    c.erase("lora_rank");
    c.erase("lora_alpha");
    c.erase("target_modules");
    c["learning_rate"] = 1e-3;
  }
  std::vector<double> losses;
  TrainOptions o;
  o.on_metrics = [&](const nlohmann::ordered_json& j) {
    if (j.contains("loss")) losses.push_back(j["loss"].get<double>());
  };
  run_training(train_config_from_json(c), o);
  ASSERT_EQ(losses.size(), 4u);
  for (double l : losses) EXPECT_TRUE(std::isfinite(l));
  EXPECT_LT(losses.back(), losses.front() - 0.05) << family.name << " " << method;
  if (std::string(method) == "full") {
    EXPECT_TRUE(std::filesystem::exists(dir / "out" / "model.safetensors"));
  } else {
    auto adapter = read_all(dir / "out" / "adapter_model.safetensors");
    std::string key = family.adapter_key;
    if (std::string(method) == "sparse") key = key.substr(0, key.find(".lora_")) + ".sparse_values";
    EXPECT_TRUE(adapter.count(key)) << key;
  }
}

INSTANTIATE_TEST_SUITE_P(All, FamiliesTest, ::testing::Combine(::testing::ValuesIn(kFamilies), ::testing::ValuesIn(kMethods)),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param).name) + "_" + std::get<1>(info.param);
                         });

// Step 1's logged loss is computed before any update, so two runs that differ only in the
// coefficient differ there by exactly coefficient x the logged router loss.
TEST(MixtralRouterLossTest, CoefficientTimesRouterLossEntersTheObjective) {
  llmcp::testing::TempDir dir;
  make_family_model(dir / "m", family("mixtral"));
  testing::write_instruction_data(dir / "d.jsonl", 8);
  auto run = [&](double coef) {
    auto c = testing::config(dir, "out" + std::to_string(coef));
    c["max_steps"] = 2;
    c["batch_size"] = 4;
    c["output_router_logits"] = true;
    c["router_aux_loss_coef"] = coef;
    std::vector<nlohmann::ordered_json> lines;
    TrainOptions o;
    o.on_metrics = [&](const nlohmann::ordered_json& j) {
      if (j.contains("loss")) lines.push_back(j);
    };
    run_training(train_config_from_json(c), o);
    return lines;
  };
  auto plain = run(0.0), weighted = run(0.5);
  ASSERT_EQ(plain.size(), 2u);
  ASSERT_EQ(weighted.size(), 2u);
  const double router = weighted[0]["router_aux_loss"].get<double>();
  EXPECT_GT(router, 0.9);  // E x sum(f p) is 1 for a perfectly balanced router, more otherwise
  EXPECT_NEAR(plain[0]["router_aux_loss"].get<double>(), router, 1e-6);
  EXPECT_NEAR(weighted[0]["loss"].get<double>() - plain[0]["loss"].get<double>(), 0.5 * router, 1e-5);
  // The loss's gradient reaches the routers: the second steps differ.
  EXPECT_NE(weighted[1]["loss"].get<double>() - 0.5 * weighted[1]["router_aux_loss"].get<double>(),
            plain[1]["loss"].get<double>());
  // A model without experts refuses the keys instead of ignoring them.
  auto c = testing::config(dir, "dense");
  make_family_model(dir / "dense_model", family("llama"));
  c["model"] = (dir / "dense_model").string();
  c["output_router_logits"] = true;
  EXPECT_THROW(run_training(train_config_from_json(c)), core::Error);
}

}  // namespace
}  // namespace llmcp::train

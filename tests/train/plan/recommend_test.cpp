// The recommender against the seed's three best-practice scenarios (supported-models.md): what
// each must choose, that the config parses as a training config, and that it fits; plus the GPU
// catalog and the refusal that says what would fit.
#include <gtest/gtest.h>

#include "core/error.h"
#include "train/plan/recommend.h"
#include "train/train_config.h"

namespace llmcp::plan {
namespace {

DatasetStats data(int64_t examples, int64_t p95) {
  DatasetStats d;
  d.path = "data.jsonl";
  d.examples = examples;
  d.p50_tokens = p95 / 2;
  d.p95_tokens = p95;
  d.max_tokens = p95 * 2;
  return d;
}

// The config must be one `llm-mcp train` accepts, and its estimate must fit with headroom.
void check_runnable(const Recommendation& r, const Hardware& hw) {
  EXPECT_NO_THROW(train::train_config_from_json(nlohmann::json(r.config))) << r.config.dump();
  EXPECT_LE(r.estimate.total_bytes, hw.memory_bytes * 9 / 10);
  EXPECT_FALSE(r.reasons.empty());
}

TEST(Recommend, SmallDatasetGetsLoraOrDoraWithHigherDropoutLowRateMoreEpochs) {
  const auto m = load_model_shape("meta-llama/Llama-2-7b-hf");
  const auto hw = plan_target("A100 80GB", 0);
  const auto r = recommend(m, "meta-llama/Llama-2-7b-hf", data(5000, 400), hw);
  check_runnable(r, hw);
  EXPECT_EQ(r.scenario, Scenario::kSmall);
  const std::string method = r.config["method"];
  EXPECT_TRUE(method == "lora" || method == "dora") << method;
  EXPECT_GE(r.config["lora_dropout"].get<double>(), 0.1);  // "higher dropout" than the usual 0.05
  const double lr = r.config["learning_rate"];
  EXPECT_GE(lr, 1e-5);
  EXPECT_LE(lr, 5e-5);
  const int64_t epochs = r.config["epochs"];
  EXPECT_GE(epochs, 5);
  EXPECT_LE(epochs, 10);
  EXPECT_LE(r.config["lora_rank"].get<int64_t>(), 8);  // lora-integration.md: start with rank 4-8
  EXPECT_EQ(nlohmann::json(r.config["target_modules"]), nlohmann::json({"q_proj", "v_proj"}));
  EXPECT_EQ(r.config["seq_len"].get<int64_t>(), 448);  // the 95th percentile, in steps of 64
}

TEST(Recommend, LargeDatasetGetsQloraHigherRateFewerEpochsLargerBatches) {
  const auto m = load_model_shape("meta-llama/Llama-2-7b-hf");
  const auto hw = plan_target("A100 80GB", 0);
  const auto small = recommend(m, "x", data(5000, 400), hw);
  const auto r = recommend(m, "x", data(150000, 400), hw);
  check_runnable(r, hw);
  EXPECT_EQ(r.scenario, Scenario::kLarge);
  EXPECT_EQ(r.config["method"], "qlora");
  EXPECT_EQ(r.config["load_in_4bit"], true);
  EXPECT_EQ(r.config["bnb_4bit_quant_type"], "nf4");
  const double lr = r.config["learning_rate"];
  EXPECT_GE(lr, 5e-5);
  EXPECT_LE(lr, 1e-4);
  EXPECT_LT(r.config["epochs"].get<int64_t>(), small.config["epochs"].get<int64_t>());
  auto rows = [](const Recommendation& x) {
    return x.config["batch_size"].get<int64_t>() * x.config["gradient_accumulation_steps"].get<int64_t>();
  };
  EXPECT_GT(rows(r), rows(small));
}

TEST(Recommend, ConstrainedMemoryGetsSparseCheckpointingMixedPrecision) {
  const auto m = load_model_shape("meta-llama/Llama-2-7b-hf");
  const auto hw = plan_target("RTX 3090", 0);
  const auto r = recommend(m, "x", data(5000, 1000), hw);
  check_runnable(r, hw);
  EXPECT_TRUE(r.constrained);
  EXPECT_EQ(r.config["method"], "sparse");
  EXPECT_EQ(r.config["gradient_checkpointing"], true);
  EXPECT_EQ(r.config["bf16"], true);
}

TEST(Recommend, RefusesWhatCannotFitAndSaysWhatWould) {
  const auto m = load_model_shape("meta-llama/Llama-2-70b-hf");
  try {
    recommend(m, "x", data(5000, 400), plan_target("", 8.0));
    FAIL() << "a 70B model cannot train in 8 GiB";
  } catch (const core::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("no plan fits"), std::string::npos) << msg;
    EXPECT_NE(msg.find("A6000 48GB"), std::string::npos) << msg;  // QLoRA 70B fits a 48 GB card
  }
}

// Several devices: data-parallel when the model fits one, the base sharded across them when it
// does not; with one device too small, the refusal says how many sharded ones would do.
TEST(Recommend, ShardsTheBaseOnlyWhenOneDeviceCannotHoldIt) {
  const auto small = load_model_shape("meta-llama/Llama-2-7b-hf");
  const auto dp = recommend(small, "x", data(5000, 400), plan_target("A100 80GB", 0, 4));
  EXPECT_FALSE(dp.config.value("shard_base", false)) << dp.config.dump();
  const auto big = load_model_shape("meta-llama/Llama-2-70b-hf");
  const auto hw = plan_target("RTX 4090 24GB", 0, 4);
  const auto r = recommend(big, "x", data(5000, 400), hw);
  EXPECT_EQ(r.config.value("shard_base", false), true) << r.config.dump();
  check_runnable(r, hw);
  bool said = false;
  for (const auto& [key, sentence] : r.reasons) said |= key == "shard_base" && sentence.find("--nproc-per-node 4") != std::string::npos;
  EXPECT_TRUE(said);
  try {
    recommend(big, "x", data(5000, 400), plan_target("RTX 4090 24GB", 0, 1));
    FAIL() << "QLoRA 70B does not fit one 24 GB card";
  } catch (const core::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("With the base sharded across 2 devices of this size (shard_base: true, --gpus 2"), std::string::npos)
        << msg;
  }
}

TEST(Hardware, CatalogNamesAreForgivingAndErrorsListTheChoices) {
  EXPECT_EQ(find_gpu("4090").name, "RTX 4090 24GB");
  EXPECT_EQ(find_gpu("a100-80gb").name, "A100 80GB");
  EXPECT_EQ(find_gpu("H100 80GB").memory_bytes, 81559LL << 20);
  try {
    find_gpu("A100");
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("ambiguous"), std::string::npos) << e.what();
  }
  try {
    find_gpu("voodoo5");
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("RTX 3090 24GB"), std::string::npos) << e.what();
  }
  EXPECT_GT(detect_cpu().memory_bytes, 0);
}

}  // namespace
}  // namespace llmcp::plan

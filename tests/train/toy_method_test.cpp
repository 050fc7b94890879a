// A PEFT method added the way docs/extending.md says: its folder (tests/train/toy_gate/) and one
// registration line below, nothing else edited. It trains through the trainer, saves a PEFT-style
// folder that loads back with the same outputs, merges into a model folder that gives those
// outputs alone, and the key table, `train --help`'s method list, the planner and the support
// matrix of `llm-mcp models` all see it.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/atomic_file.h"
#include "core/error.h"
#include "engine/engine.h"
#include "engine/training.h"
#include "model/loader.h"
#include "peft/peft_io.h"
#include "toy_gate/gate_method.h"
#include "train/plan/memory_estimate.h"
#include "train/trainer.h"
#include "trainer_test_util.h"

namespace llmcp::train {
namespace {

class ToyMethodTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { peft::register_peft_method(toy_gate::method(), toy_gate::runtime()); }
  void SetUp() override {
    testing::make_model(dir_ / "m");
    testing::write_instruction_data(dir_ / "d.jsonl", 8);
  }
  nlohmann::json gate_config(const std::string& out) {
    auto c = testing::config(dir_, out);
    c.erase("lora_rank");
    c.erase("lora_alpha");
    c["method"] = "gate";
    c["gate_init"] = 0.0;
    c["batch_size"] = 8;
    c["max_steps"] = 12;
    c["lr_scheduler"] = "constant";
    return c;
  }
  llmcp::testing::TempDir dir_;
};

TEST_F(ToyMethodTest, TheKeyTableAndTheMethodListSeeIt) {
  const auto methods = training_methods();
  EXPECT_NE(std::find(methods.begin(), methods.end(), "gate"), methods.end());
  const ConfigKey* key = nullptr;
  for (const auto& k : train_config_keys())
    if (std::string(k.name) == "gate_init") key = &k;
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key_methods(*key), "gate");
  EXPECT_NE(std::string(train_config_keys().front().help).find("gate"), std::string::npos);
  // The key implies the method, and belongs to it alone.
  auto c = gate_config("x");
  c.erase("method");
  EXPECT_EQ(train_config_from_json(c).method, "gate");
  c["method"] = "lora";
  try {
    train_config_from_json(c);
    ADD_FAILURE() << "gate_init under method lora was accepted";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("set method: gate"), std::string::npos) << e.what();
  }
  const auto matrix = engine::support_matrix();
  EXPECT_NE(std::find(matrix["methods"].begin(), matrix["methods"].end(), "gate"), matrix["methods"].end());
  for (const auto& f : matrix["families"]) EXPECT_TRUE(f["methods"]["gate"]["supported"].get<bool>()) << f.dump();
}

TEST_F(ToyMethodTest, TrainsSavesLoadsAndMerges) {
  const auto cfg = train_config_from_json(gate_config("g"));
  std::vector<double> losses;
  TrainOptions o;
  o.on_metrics = [&](const nlohmann::ordered_json& j) {
    if (j.contains("loss")) losses.push_back(j["loss"].get<double>());
  };
  run_training(cfg, o);
  ASSERT_EQ(losses.size(), 12u);
  EXPECT_LT(losses.back(), losses.front() * 0.95);

  // The folder: our peft_type and key, one gate [out] per targeted module, trained away from 0.
  const auto adapter_config = nlohmann::json::parse(core::read_file(dir_ / "g" / "adapter_config.json"));
  EXPECT_EQ(adapter_config["peft_type"], "GATE");
  EXPECT_EQ(adapter_config["gate_init"], 0.0);
  EXPECT_EQ(adapter_config["target_modules"], "all-linear");
  const auto tensors = testing::read_all(dir_ / "g" / "adapter_model.safetensors");
  auto base = model::load_decoder(dir_ / "m", {"float32", "cpu", {}, {}});
  int64_t gates = 0, modules = 0;
  for (auto* l : base->linears()) {
    if (l->name == base->names().lm_head) continue;
    const auto& g = tensors.at("base_model.model." + l->name + ".ia3_gate");
    ASSERT_EQ(g.sizes(), at::IntArrayRef({l->out_features()})) << l->name;
    EXPECT_GT(g.abs().max().item<double>(), 0) << l->name;
    gates += g.numel();
    ++modules;
  }
  EXPECT_EQ(static_cast<int64_t>(tensors.size()), modules);

  // Loaded back: the outputs change from the base's; merged: the same outputs from weights alone.
  auto ids = at::arange(1, 9, at::kLong).unsqueeze(0);
  const auto plain = base->forward(ids);
  peft::PeftModel peft(*base);
  peft::load_adapter(peft, dir_ / "g", "default");
  const auto adapted = base->forward(ids);
  EXPECT_FALSE(at::allclose(adapted, plain, 1e-4, 1e-4));
  engine::MergeRequest m;
  m.model_dir = (dir_ / "m").string();
  m.adapter_dir = (dir_ / "g").string();
  m.out_dir = (dir_ / "merged").string();
  engine::merge_adapter(m);
  auto merged = model::load_decoder(dir_ / "merged", {"float32", "cpu", {}, {}});
  EXPECT_TRUE(at::allclose(merged->forward(ids), adapted, 1e-5, 1e-5));

  // The planner counts what the method trains.
  const auto e = plan::estimate_training(plan::load_model_shape((dir_ / "m").string()), cfg);
  EXPECT_EQ(e.trainable_parameters, gates);
}

}  // namespace
}  // namespace llmcp::train

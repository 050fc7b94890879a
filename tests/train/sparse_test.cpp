// Sparse fine-tuning end to end on a tiny model: RigL mask updates at the scheduled steps with
// the cosine formula's swap counts, exactly k entries throughout, grown entries starting from zero
// values and zero AdamW moments, the loss going down; a stopped and resumed run equal to an
// uninterrupted one (the masks change in between); a 4-bit base and top-k attention.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "model/loader.h"
#include "peft/peft_io.h"
#include "peft/sparse/sparse_config.h"
#include "train/trainer.h"
#include "trainer_test_util.h"

namespace llmcp::train {
namespace {

using testing::read_all;

class SparseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::make_model(dir_ / "m");
    testing::write_instruction_data(dir_ / "d.jsonl", 8);
  }
  nlohmann::json sparse_config(const std::string& out) {
    auto c = testing::config(dir_, out);
    c.erase("lora_rank");
    c.erase("lora_alpha");
    c["sparsity_ratio"] = 0.9;
    c["sparsity_type"] = "unstructured";
    c["mask_update_interval"] = 3;
    c["mask_update_fraction"] = 0.5;
    c["use_rigl"] = true;
    c["batch_size"] = 8;
    c["lr_scheduler"] = "constant";
    return c;
  }
  // Trainable entries per targeted (all-linear) module: round(0.1 * out * in).
  std::vector<int64_t> entries() {
    auto d = model::load_decoder(dir_ / "m", {"float32", "cpu", {}, {}});
    std::vector<int64_t> k;
    for (auto* l : d->linears())
      if (l->name != d->names().lm_head) k.push_back(std::llround(0.1 * static_cast<double>(l->out_features() * l->in_features())));
    return k;
  }
  llmcp::testing::TempDir dir_;
};

TEST_F(SparseTest, MaskUpdatesFollowTheScheduleAndKeepK) {
  auto c = sparse_config("s");
  c["max_steps"] = 12;
  c["save_steps"] = 3;
  c["save_total_limit"] = 10;
  const auto cfg = train_config_from_json(c);
  ASSERT_EQ(cfg.method, "sparse");
  std::vector<double> losses;
  std::vector<nlohmann::ordered_json> updates;
  TrainOptions o;
  o.on_metrics = [&](const nlohmann::ordered_json& j) {
    if (j.contains("loss")) losses.push_back(j["loss"].get<double>());
    if (j.contains("mask_swapped")) updates.push_back(j);
  };
  run_training(cfg, o);
  ASSERT_EQ(losses.size(), 12u);
  EXPECT_LT(losses.back(), losses.front() - 1.0);

  const auto k = entries();
  int64_t total_k = 0;
  for (auto n : k) total_k += n;
  ASSERT_EQ(updates.size(), 3u);  // after steps 3, 6, 9; never after the last step
  for (size_t u = 0; u < updates.size(); ++u) {
    const int64_t t = 3 * static_cast<int64_t>(u + 1);
    EXPECT_EQ(updates[u]["step"], t);
    const double f = 0.5 / 2 * (1 + std::cos(std::numbers::pi * static_cast<double>(t) / 12));
    int64_t swapped = 0;
    for (auto n : k) swapped += std::llround(f * static_cast<double>(n));
    EXPECT_EQ(updates[u]["mask_swapped"], swapped) << "step " << t;
    EXPECT_EQ(updates[u]["mask_active"], total_k);
    EXPECT_NEAR(updates[u]["mask_overlap"].get<double>(), 1.0 - static_cast<double>(swapped) / total_k, 1e-12);
  }

  // Right after the step-3 update: the grown entries are exactly the zero values, with zero moments.
  auto adapter = read_all(dir_ / "s" / "checkpoint-3" / "adapter_model.safetensors");
  auto moments = read_all(dir_ / "s" / "checkpoint-3" / "optimizer.safetensors");
  int64_t zeros = 0, entries_seen = 0;
  for (const auto& [key, t] : adapter) {
    if (!key.ends_with(".sparse_values")) continue;
    entries_seen += t.numel();
    auto grown = t.eq(0);
    zeros += grown.sum().item<int64_t>();
    EXPECT_EQ(moments.at(key + ".exp_avg").masked_select(grown).abs().max().item<double>(), 0.0) << key;
    EXPECT_EQ(moments.at(key + ".exp_avg_sq").masked_select(grown).abs().max().item<double>(), 0.0) << key;
    EXPECT_GT(moments.at(key + ".exp_avg_sq").masked_select(grown.logical_not()).min().item<double>(), 0.0) << key;
  }
  EXPECT_EQ(entries_seen, total_k);
  EXPECT_EQ(zeros, updates[0]["mask_swapped"].get<int64_t>());
  // Masks differ between checkpoints; every saved mask still has exactly k sorted, unique entries.
  auto later = read_all(dir_ / "s" / "checkpoint-6" / "adapter_model.safetensors");
  bool changed = false;
  for (const auto& [key, t] : later) {
    if (!key.ends_with(".sparse_indices")) continue;
    EXPECT_EQ(std::get<0>(at::_unique(t)).numel(), t.numel()) << key;
    changed = changed || !at::equal(t, adapter.at(key));
  }
  EXPECT_TRUE(changed);
}

TEST_F(SparseTest, StoppedAndResumedRunEqualsUninterrupted) {
  auto a = sparse_config("a");
  a["max_steps"] = 8;
  a["save_steps"] = 4;
  run_training(train_config_from_json(a));
  auto b = sparse_config("b");
  b["max_steps"] = 8;
  b["save_steps"] = 4;
  std::atomic<bool> stop{false};
  TrainOptions o;
  o.stop = &stop;
  o.on_metrics = [&](const nlohmann::ordered_json& j) {
    if (j.contains("loss") && j["step"] == 4) stop = true;
  };
  auto first = run_training(train_config_from_json(b), o);
  ASSERT_EQ(first.steps, 4);
  TrainOptions r;
  r.resume = true;
  auto second = run_training(train_config_from_json(b), r);
  EXPECT_EQ(second.steps, 8);
  auto ta = read_all(dir_ / "a" / "adapter_model.safetensors"), tb = read_all(dir_ / "b" / "adapter_model.safetensors");
  ASSERT_EQ(ta.size(), tb.size());
  for (const auto& [key, t] : ta) EXPECT_TRUE(at::equal(t, tb.at(key))) << key;
}

TEST_F(SparseTest, StructuredOnA4BitBaseWithTopkAttentionAndCheckpointing) {
  auto c = sparse_config("q");
  c["sparsity_type"] = "structured";
  c["load_in_4bit"] = true;
  c["bnb_4bit_quant_type"] = "nf4";
  c["use_topk_attention"] = true;
  c["topk_ratio"] = 0.5;
  c["gradient_checkpointing"] = true;  // the layers are replayed in backward, mask update included
  c["mask_update_interval"] = 4;
  c["max_steps"] = 10;
  const auto cfg = train_config_from_json(c);
  EXPECT_EQ(cfg.method, "sparse");
  std::vector<double> losses;
  TrainOptions o;
  o.on_metrics = [&](const nlohmann::ordered_json& j) {
    if (j.contains("loss")) losses.push_back(j["loss"].get<double>());
  };
  int64_t updates = 0;
  auto on_metrics = o.on_metrics;
  o.on_metrics = [&](const nlohmann::ordered_json& j) {
    on_metrics(j);
    if (j.contains("mask_swapped")) {
      ++updates;
      EXPECT_GT(j["mask_swapped"].get<int64_t>(), 0);
    }
  };
  run_training(cfg, o);
  ASSERT_EQ(losses.size(), 10u);
  EXPECT_LT(losses.back(), losses.front());
  EXPECT_EQ(updates, 2);  // after steps 4 and 8
  // The saved adapter loads onto the 4-bit base and holds whole rows.
  model::LoadOptions opts{"float32", "cpu", {}, {}};
  opts.quant.load_in_4bit = true;
  auto d = model::load_decoder(dir_ / "m", opts);
  peft::PeftModel peft(*d);
  auto lc = peft::load_adapter(peft, dir_ / "q", "default");
  ASSERT_EQ(lc.method, "sparse");
  EXPECT_EQ(peft::SparseConfig::of(lc).sparsity_type, peft::SparsityType::kStructured);
  EXPECT_TRUE(peft::SparseConfig::of(lc).use_topk_attention);
}

}  // namespace
}  // namespace llmcp::train

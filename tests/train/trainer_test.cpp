// The trainer end to end on a tiny model: gradient accumulation is normalised over all
// accumulated target tokens (4 x batch 2 gives the gradient of 1 x batch 8), gradient
// checkpointing changes nothing but memory (dropout included), packed rows give the same loss as
// separate rows, the loss goes down, full fine-tuning writes a loadable model, a diverging run
// stops with a clear message, and an output_dir with checkpoints is not overwritten.
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include "core/error.h"
#include "io/safetensors.h"
#include "model/loader.h"
#include "model/tensor_view.h"
#include "train/checkpoint.h"
#include "train/loss.h"
#include "train/trainer.h"
#include "trainer_test_util.h"

namespace llmcp::train {
namespace {

using testing::read_all;

double max_rel_diff(const std::map<std::string, at::Tensor>& a, const std::map<std::string, at::Tensor>& b) {
  double worst = 0;
  for (const auto& [k, t] : a) {
    const double scale = std::max(1e-3, t.abs().max().item<double>());
    worst = std::max(worst, (t - b.at(k)).abs().max().item<double>() / scale);
  }
  return worst;
}

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::make_model(dir_ / "m");
    testing::write_instruction_data(dir_ / "d.jsonl", 8);
  }
  llmcp::testing::TempDir dir_;
};

TEST_F(TrainerTest, AccumulationMatchesOneLargeBatch) {
  auto big = testing::config(dir_, "big");
  big["batch_size"] = 8;
  big["max_steps"] = 1;
  big["max_grad_norm"] = 0;
  auto small = testing::config(dir_, "small");
  small["batch_size"] = 2;
  small["gradient_accumulation_steps"] = 4;
  small["max_steps"] = 1;
  small["max_grad_norm"] = 0;
  auto rb = run_training(train_config_from_json(big));
  auto rs = run_training(train_config_from_json(small));
  EXPECT_NEAR(rb.train_loss, rs.train_loss, 1e-6);
  // AdamW's first moment after one step is (1 - beta1) * gradient: the gradients themselves.
  auto mb = read_all(dir_ / "big" / "checkpoint-1" / "optimizer.safetensors");
  auto ms = read_all(dir_ / "small" / "checkpoint-1" / "optimizer.safetensors");
  ASSERT_FALSE(mb.empty());
  EXPECT_LT(max_rel_diff(mb, ms), 1e-5);
}

class CheckpointingTest : public TrainerTest, public ::testing::WithParamInterface<bool> {};

TEST_P(CheckpointingTest, GradientCheckpointingChangesNothing) {
  const bool bf16 = GetParam();
  auto plain = testing::config(dir_, "plain");
  plain["max_steps"] = 3;
  plain["lora_dropout"] = 0.2;  // recomputation must replay the same dropout masks
  // In bf16 the recomputation (in backward, after the autocast scope closed) must run under the
  // forward's autocast state, or its activations and so the gradients differ.
  plain["bf16"] = bf16;
  auto ckpt = plain;
  ckpt["output_dir"] = (dir_ / "ckpt").string();
  ckpt["gradient_checkpointing"] = true;
  auto a = run_training(train_config_from_json(plain));
  auto b = run_training(train_config_from_json(ckpt));
  EXPECT_NEAR(a.train_loss, b.train_loss, 1e-6);
  EXPECT_LT(max_rel_diff(read_all(dir_ / "plain" / "adapter_model.safetensors"),
                         read_all(dir_ / "ckpt" / "adapter_model.safetensors")),
            1e-5);
}
INSTANTIATE_TEST_SUITE_P(Precision, CheckpointingTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& i) { return i.param ? "bf16" : "fp32"; });

TEST_F(TrainerTest, PackedRowsGiveTheSameLossAsSeparateRows) {
  auto decoder = model::load_decoder(dir_ / "m", {"float32", "cpu", {}, {}});
  Row a{{1, 20, 21, 22, 23}, {0, 0, 1, 1, 1}, {}}, b{{1, 30, 31, 32}, {0, 1, 1, 1}, {}};
  at::NoGradGuard g;
  auto la = causal_lm_loss(*decoder, collate({a}, 3)), lb = causal_lm_loss(*decoder, collate({b}, 3));
  Row packed{{1, 20, 21, 22, 23, 1, 30, 31, 32}, {0, 0, 1, 1, 1, 0, 1, 1, 1}, {0, 0, 0, 0, 0, 1, 1, 1, 1}};
  auto lp = causal_lm_loss(*decoder, collate({packed}, 3));
  EXPECT_EQ(lp.tokens, la.tokens + lb.tokens);
  EXPECT_NEAR(lp.sum.item<double>(), la.sum.item<double>() + lb.sum.item<double>(), 1e-4);
  // Without segments the second example would see the first: a different loss.
  Row unsegmented{packed.ids, packed.mask, {}};
  EXPECT_GT(std::abs(causal_lm_loss(*decoder, collate({unsegmented}, 3)).sum.item<double>() - lp.sum.item<double>()), 1e-3);
}

TEST_F(TrainerTest, LossDecreasesAndAdapterLoads) {
  auto c = testing::config(dir_, "out");
  c["max_steps"] = 30;
  c["batch_size"] = 8;  // the whole dataset every step, so losses are comparable
  c["lr_scheduler"] = "constant";
  c["learning_rate"] = 3e-3;
  std::vector<double> losses;
  TrainOptions o;
  o.on_metrics = [&](const nlohmann::ordered_json& j) {
    if (j.contains("loss")) losses.push_back(j["loss"].get<double>());
  };
  auto r = run_training(train_config_from_json(c), o);
  ASSERT_EQ(losses.size(), 30u);
  // A random synthetic model cannot go far below ~4 with adapters alone (its LM head's logit
  // range is small), but it must get well below the starting ~6.3 (ln 512 = 6.2).
  EXPECT_LT(losses.back(), losses.front() - 1.5);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "out" / "adapter_config.json"));
  EXPECT_LE(list_checkpoints(dir_ / "out").size(), 2u);
  // A second run into the same folder must not silently overwrite it.
  EXPECT_THROW(run_training(train_config_from_json(c)), core::Error);
}

TEST_F(TrainerTest, FullFineTuningWritesAModelFolder) {
  auto c = testing::config(dir_, "full");
  c["method"] = "full";
  c["max_steps"] = 2;
  c["learning_rate"] = 1e-3;
  run_training(train_config_from_json(c));
  auto d = model::load_decoder(dir_ / "full", {"float32", "cpu", {}, {}});
  auto base = model::load_decoder(dir_ / "m", {"float32", "cpu", {}, {}});
  auto ids = at::randint(4, 500, {1, 8}, at::kLong);
  at::NoGradGuard g;
  EXPECT_GT((d->forward(ids) - base->forward(ids)).abs().max().item<double>(), 1e-4);
}

TEST_F(TrainerTest, DivergenceStopsWithTheLastGoodCheckpoint) {
  auto c = testing::config(dir_, "nan");
  c["max_steps"] = 40;
  c["save_steps"] = 1;
  c["learning_rate"] = 1e30;
  c["max_grad_norm"] = 0;
  try {
    run_training(train_config_from_json(c));
    FAIL() << "a learning rate of 1e30 should diverge";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("the loss became"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("checkpoint-"), std::string::npos) << e.what();
  }
}

TEST_F(TrainerTest, EarlyStoppingAfterPatienceEvaluationsWithoutImprovement) {
  testing::write_instruction_data(dir_ / "e.jsonl", 4);
  auto c = testing::config(dir_, "early");
  c["eval_dataset"] = (dir_ / "e.jsonl").string();
  c["max_steps"] = 20;
  c["eval_steps"] = 1;
  c["early_stopping_patience"] = 2;
  // Only a drop of more than 1e9 counts as an improvement: the first evaluation sets the best,
  // the next two do not beat it, so the run stops after step 3 whatever the losses are.
  c["early_stopping_threshold"] = 1e9;
  auto r = run_training(train_config_from_json(c));
  EXPECT_EQ(r.stop_reason, "early_stopping");
  EXPECT_EQ(r.steps, 3);
  ASSERT_TRUE(r.eval_loss.has_value());
  EXPECT_TRUE(std::filesystem::exists(dir_ / "early" / "adapter_model.safetensors"));

  // With a threshold of 0 and a loss that keeps falling on the training data itself, it does not stop.
  auto keep = testing::config(dir_, "keep");
  keep["eval_dataset"] = (dir_ / "d.jsonl").string();
  keep["max_steps"] = 6;
  keep["eval_steps"] = 1;
  keep["early_stopping_patience"] = 1;
  keep["batch_size"] = 8;
  keep["lora_dropout"] = 0;
  auto rk = run_training(train_config_from_json(keep));
  EXPECT_EQ(rk.stop_reason, "max_steps");
  EXPECT_EQ(rk.steps, 6);
}

}  // namespace
}  // namespace llmcp::train

// QLoRA / QDoRA end to end on a tiny model: one training step on a 4-bit base gives the same
// adapter gradients as LoRA on a dense copy of the dequantized base; training lowers the loss;
// merging writes a re-quantized folder or, with --dense, one whose logits equal the adapter's.
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include "engine/training.h"
#include "io/safetensors.h"
#include "model/loader.h"
#include "model/tensor_view.h"
#include "peft/peft_io.h"
#include "train/trainable_model.h"
#include "train/trainer.h"
#include "trainer_test_util.h"

namespace llmcp::train {
namespace {

using testing::read_all;

const nlohmann::json kQuant = {{"load_in_4bit", true}, {"bnb_4bit_quant_type", "nf4"},
                               {"bnb_4bit_use_double_quant", true}, {"bnb_4bit_compute_dtype", "float32"}};

class QloraTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::make_model(dir_ / "m");
    testing::write_instruction_data(dir_ / "d.jsonl", 8);
    // The dequantized base as a dense folder: what the 4-bit base computes with.
    model::LoadOptions opts{"float32", "cpu", quant::BnbConfig::from_json(kQuant), {}};
    auto q = model::load_decoder(dir_ / "m", opts);
    save_model_folder(*q, dir_ / "m", dir_ / "dq", at::kFloat, /*keep_quantized=*/false);
  }
  llmcp::testing::TempDir dir_;
};

TEST_F(QloraTest, GradientsEqualLoraOnTheDequantizedBase) {
  for (bool dora : {false, true}) {
    auto q = testing::config(dir_, dora ? "qdora" : "qlora");
    q.update(kQuant);
    q["use_dora"] = dora;
    q["max_steps"] = 1;
    q["max_grad_norm"] = 0;
    auto d = testing::config(dir_, dora ? "dora" : "lora");
    d["model"] = (dir_ / "dq").string();
    d["use_dora"] = dora;
    d["max_steps"] = 1;
    d["max_grad_norm"] = 0;
    const auto cq = train_config_from_json(q);
    EXPECT_EQ(cq.method, "qlora");
    auto rq = run_training(cq);
    auto rd = run_training(train_config_from_json(d));
    EXPECT_NEAR(rq.train_loss, rd.train_loss, 1e-5) << (dora ? "QDoRA" : "QLoRA");
    // AdamW's first moment after one step is (1 - beta1) * gradient.
    auto mq = read_all(dir_ / (dora ? "qdora" : "qlora") / "checkpoint-1" / "optimizer.safetensors");
    auto md = read_all(dir_ / (dora ? "dora" : "lora") / "checkpoint-1" / "optimizer.safetensors");
    ASSERT_EQ(mq.size(), md.size());
    for (const auto& [k, t] : mq) {
      const double scale = std::max(1e-3, t.abs().max().item<double>());
      EXPECT_LT((t - md.at(k)).abs().max().item<double>() / scale, 1e-4) << k;
    }
  }
}

TEST_F(QloraTest, TrainsAndMergesQuantizedOrDense) {
  auto c = testing::config(dir_, "a");
  c.update(kQuant);
  c["max_steps"] = 30;
  c["batch_size"] = 8;  // the whole dataset every step, so losses are comparable
  c["lr_scheduler"] = "constant";
  c["learning_rate"] = 3e-3;
  std::vector<double> losses;
  TrainOptions o;
  o.on_metrics = [&](const nlohmann::ordered_json& j) {
    if (j.contains("loss")) losses.push_back(j["loss"].get<double>());
  };
  run_training(train_config_from_json(c), o);
  ASSERT_EQ(losses.size(), 30u);
  EXPECT_LT(losses.back(), losses.front() - 1.5) << "the bar LoRA meets on the dense base (trainer_test)";

  // Re-quantized merge keeps the bitsandbytes layout.
  engine::MergeRequest mq{(dir_ / "m").string(), (dir_ / "a").string(), (dir_ / "merged-q").string(), "float32", false};
  // The base folder is dense, so the merge works on a dense model unless the base is quantized:
  // quantize it first, as a user of a pre-quantized checkpoint has it.
  engine::QuantizeRequest qr;
  qr.model_dir = (dir_ / "m").string();
  qr.out_dir = (dir_ / "q4").string();
  qr.double_quant = true;
  engine::quantize_model(qr);
  mq.model_dir = qr.out_dir;
  auto jq = engine::merge_adapter(mq);
  EXPECT_TRUE(jq["quantized"].get<bool>());
  auto merged_q = model::load_decoder(dir_ / "merged-q", {"float32", "cpu", {}, {}});
  EXPECT_FALSE(merged_q->quantized_weights().empty());

  // Dense merge: logits equal the adapter on the 4-bit base.
  engine::MergeRequest md = mq;
  md.out_dir = (dir_ / "merged-d").string();
  md.dense = true;
  engine::merge_adapter(md);
  auto merged_d = model::load_decoder(dir_ / "merged-d", {"float32", "cpu", {}, {}});
  EXPECT_TRUE(merged_d->quantized_weights().empty());
  auto base = model::load_decoder(dir_ / "q4", {"float32", "cpu", {}, {}});
  peft::PeftModel peft(*base);
  peft::load_adapter(peft, dir_ / "a", "default");
  auto ids = at::randint(4, 500, {2, 10}, at::kLong);
  at::NoGradGuard g;
  auto a = base->forward(ids), b = merged_d->forward(ids), c2 = merged_q->forward(ids);
  EXPECT_TRUE(at::allclose(a, b, 1e-4, 1e-4)) << "max diff " << (a - b).abs().max().item<float>();
  EXPECT_GT((a - c2).abs().max().item<float>(), 0.0f) << "re-quantizing rounds";
}

}  // namespace
}  // namespace llmcp::train

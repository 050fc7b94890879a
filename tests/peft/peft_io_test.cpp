// PEFT folders: the exact key names and dtypes PEFT writes, adapter_config.json's keys, a save/load
// round trip, modules_to_save and bias keys, several named adapters, and loading errors that say
// what does not match (wrong base shapes, missing tensors, stray tensors, unsupported features).
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "io/safetensors.h"
#include "model/loader.h"
#include "model/tensor_view.h"
#include "peft/peft_io.h"
#include "peft_test_util.h"
#include "test_util.h"

namespace llmcp::peft {
namespace {

LoraConfig qv_config() {
  LoraConfig c;
  c.r = 4;
  c.lora_alpha = 16;
  c.lora_dropout = 0.05;
  c.target_modules = TargetModules{TargetModules::Kind::kNames, {"v_proj", "q_proj"}, ""};
  return c;
}

class PeftIoTest : public testing::TinyModelTest {};

TEST_F(PeftIoTest, WritesPeftKeysAndConfig) {
  PeftModel peft(*decoder_);
  peft.add_adapter("default", qv_config(), 1);
  save_adapter(peft, "default", dir_ / "a");
  auto st = io::SafetensorsFile::open(dir_ / "a" / "adapter_model.safetensors");
  EXPECT_EQ(st->metadata().at("format"), "pt");
  EXPECT_EQ(st->tensors().size(), 4u * 2 * 2);  // 4 layers x {q, v} x {A, B}
  const auto* a = st->find("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->dtype, core::DType::kF32);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{4, 128}));
  const auto* b = st->find("base_model.model.model.layers.3.self_attn.v_proj.lora_B.weight");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->shape, (std::vector<int64_t>{64, 4}));  // 2 kv heads x 32
  auto cfg = nlohmann::ordered_json::parse(core::read_file(dir_ / "a" / "adapter_config.json"));
  EXPECT_EQ(cfg["peft_type"], "LORA");
  EXPECT_EQ(cfg["task_type"], "CAUSAL_LM");
  EXPECT_EQ(cfg["r"], 4);
  EXPECT_EQ(cfg["lora_alpha"], 16);
  EXPECT_EQ(cfg["target_modules"], nlohmann::ordered_json({"q_proj", "v_proj"}));
  std::string prev;
  for (const auto& [k, v] : cfg.items()) {  // sorted keys, as PEFT writes them
    EXPECT_LT(prev, k);
    prev = k;
  }
  for (const char* key : {"bias", "use_rslora", "use_dora", "init_lora_weights", "fan_in_fan_out", "modules_to_save",
                          "layers_to_transform", "layers_pattern", "rank_pattern", "alpha_pattern",
                          "base_model_name_or_path", "revision", "inference_mode", "lora_dropout"})
    EXPECT_TRUE(cfg.contains(key)) << key;
}

TEST_F(PeftIoTest, RoundTripReproducesOutputs) {
  PeftModel peft(*decoder_);
  auto c = qv_config();
  c.init = LoraInit::kNone;
  c.use_dora = true;
  peft.add_adapter("default", c, 2);
  save_adapter(peft, "default", dir_ / "a");
  auto ids = testing::random_ids(1, 9, 1);
  at::NoGradGuard g;
  auto expected = decoder_->forward(ids);
  auto d2 = model::load_decoder(dir_ / "m", {"float32", "cpu", {}, {}});
  PeftModel loaded(*d2);
  load_adapter(loaded, dir_ / "a", "x");
  EXPECT_EQ((d2->forward(ids) - expected).abs().max().item<double>(), 0);
  EXPECT_TRUE(loaded.adapter("x").config.use_dora);
}

TEST_F(PeftIoTest, ModulesToSaveAndBiasKeys) {
  llmcp::testing::TempDir d;
  testing::make_tiny_model(d / "m", R"({"attention_bias": true})");
  auto dec = model::load_decoder(d / "m", {"float32", "cpu", {}, {}});
  PeftModel peft(*dec);
  auto c = qv_config();
  c.modules_to_save = {"lm_head"};
  c.bias = BiasMode::kAll;
  peft.add_adapter("default", c, 3);
  std::set<std::string> keys;
  for (auto& p : peft.parameters("default")) keys.insert(p.key);
  EXPECT_TRUE(keys.count("base_model.model.lm_head.weight"));
  EXPECT_TRUE(keys.count("base_model.model.model.layers.0.self_attn.q_proj.base_layer.bias"));  // targeted
  EXPECT_TRUE(keys.count("base_model.model.model.layers.0.self_attn.k_proj.bias"));             // not targeted
  // The copy is what forward uses while the adapter is on; disabling restores the base head.
  at::Tensor head;
  for (auto& p : peft.parameters("default"))
    if (p.key == "base_model.model.lm_head.weight") head = *p.tensor;
  auto ids = testing::random_ids(1, 6, 2);
  at::NoGradGuard g;
  auto before = dec->forward(ids);
  head.add_(0.5);
  EXPECT_GT((dec->forward(ids) - before).abs().max().item<double>(), 1e-3);
  peft.disable();
  EXPECT_EQ((dec->forward(ids) - before).abs().max().item<double>(), 0);
  peft.enable();
  save_adapter(peft, "default", d / "a");
  auto dec2 = model::load_decoder(d / "m", {"float32", "cpu", {}, {}});
  PeftModel loaded(*dec2);
  load_adapter(loaded, d / "a", "default");
  EXPECT_LT((dec2->forward(ids) - dec->forward(ids)).abs().max().item<double>(), 1e-6);
}

TEST_F(PeftIoTest, SeveralNamedAdapters) {
  PeftModel peft(*decoder_);
  auto c = qv_config();
  c.init = LoraInit::kNone;
  peft.add_adapter("a", c, 1);
  peft.add_adapter("b", c, 2);
  auto ids = testing::random_ids(1, 7, 3);
  at::NoGradGuard g;
  EXPECT_EQ(peft.active(), std::vector<std::string>{"a"});
  auto ya = decoder_->forward(ids);
  peft.set_active({"b"});
  auto yb = decoder_->forward(ids);
  EXPECT_GT((ya - yb).abs().max().item<double>(), 1e-3);
  peft.set_active({});
  auto base = decoder_->forward(ids);
  peft.set_active({"a", "b"});  // both deltas summed
  auto both = decoder_->forward(ids);
  EXPECT_GT((both - ya).abs().max().item<double>(), 1e-3);
  EXPECT_THROW(peft.set_active({"nope"}), core::Error);
  peft.delete_adapter("b");
  EXPECT_EQ(peft.active(), std::vector<std::string>{"a"});
  EXPECT_LT((decoder_->forward(ids) - ya).abs().max().item<double>(), 1e-6);
  (void)base;
}

TEST_F(PeftIoTest, TrainableSummaryFormat) {
  PeftModel peft(*decoder_);
  peft.add_adapter("default", qv_config(), 1);
  // 4 layers x (q: 4x128 + 128x4, v: 4x128 + 64x4)
  const int64_t trainable = 4 * ((4 * 128 + 128 * 4) + (4 * 128 + 64 * 4));
  int64_t base = 0;
  for (auto& s : decoder_->tensors()) base += s.tensor->numel();
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.4f", 100.0 * trainable / (base + trainable));
  auto expect = "trainable params: " + std::to_string(trainable).insert(std::to_string(trainable).size() - 3, ",") +
                " || all params: ";
  EXPECT_EQ(peft.trainable_summary("default").rfind(expect, 0), 0u) << peft.trainable_summary("default");
  EXPECT_NE(peft.trainable_summary("default").find(std::string("trainable%: ") + pct), std::string::npos);
}

void expect_error(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing: " << needle;
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST_F(PeftIoTest, LoadErrorsSayWhatDoesNotMatch) {
  // An adapter made on a wider model does not fit this base.
  llmcp::testing::TempDir other;
  testing::make_tiny_model(other / "m", R"({"hidden_size": 192, "num_attention_heads": 6, "num_key_value_heads": 3})");
  auto wide = model::load_decoder(other / "m", {"float32", "cpu", {}, {}});
  PeftModel wide_peft(*wide);
  auto c = qv_config();
  c.base_model_name_or_path = "someone/wide-model";
  wide_peft.add_adapter("default", c, 1);
  save_adapter(wide_peft, "default", other / "a");
  PeftModel peft(*decoder_);
  expect_error([&] { load_adapter(peft, other / "a", "x"); }, "does it belong to this base model");
  expect_error([&] { load_adapter(peft, other / "a", "x"); }, "someone/wide-model");

  // Missing tensor, stray tensor, unknown peft type, unsupported feature, missing folder.
  PeftModel good(*decoder_);
  good.add_adapter("default", qv_config(), 1);
  save_adapter(good, "default", dir_ / "a");
  auto cfg = nlohmann::json::parse(core::read_file(dir_ / "a" / "adapter_config.json"));
  cfg["target_modules"] = {"q_proj", "v_proj", "k_proj"};
  core::write_file_atomic(dir_ / "a" / "adapter_config.json", cfg.dump());
  expect_error([&] { load_adapter(peft, dir_ / "a", "y"); }, "k_proj.lora_A.weight");
  cfg["target_modules"] = {"q_proj"};
  core::write_file_atomic(dir_ / "a" / "adapter_config.json", cfg.dump());
  expect_error([&] { load_adapter(peft, dir_ / "a", "y"); }, "match no targeted module");
  cfg["target_modules"] = {"q_proj", "v_proj"};
  cfg["lora_bias"] = true;
  core::write_file_atomic(dir_ / "a" / "adapter_config.json", cfg.dump());
  expect_error([&] { load_adapter(peft, dir_ / "a", "y"); }, "'lora_bias'");
  cfg.erase("lora_bias");
  cfg["peft_type"] = "IA3";
  core::write_file_atomic(dir_ / "a" / "adapter_config.json", cfg.dump());
  expect_error([&] { load_adapter(peft, dir_ / "a", "y"); }, "'IA3'");
  expect_error([&] { load_adapter(peft, dir_ / "nowhere", "y"); }, "no adapter_config.json");
  EXPECT_TRUE(peft.adapter_names().empty());  // nothing half-added
}

}  // namespace
}  // namespace llmcp::peft

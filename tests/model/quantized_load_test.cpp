// Loading with load_in_4bit / load_in_8bit: every decoder-layer linear is quantized (the LM head
// and embeddings stay dense) and the logits equal those of a dense decoder holding the
// dequantized weights; bad quantization settings are errors.
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "core/error.h"
#include "model/loader.h"
#include "model/synthetic.h"
#include "test_util.h"

namespace llmcp::model {
namespace {

class QuantizedLoadTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    SyntheticSpec spec;
    spec.seed = 5;
    spec.overrides = {{"tie_word_embeddings", false}};
    create_synthetic_model(spec, *dir_ / "m");
  }
  static void TearDownTestSuite() { delete dir_; }
  static testing::TempDir* dir_;
};
testing::TempDir* QuantizedLoadTest::dir_ = nullptr;

TEST_F(QuantizedLoadTest, LogitsEqualTheDequantizedDenseModel) {
  struct Case {
    const char* name;
    nlohmann::json config;
  };
  const Case cases[] = {
      {"nf4+dq", {{"load_in_4bit", true}, {"bnb_4bit_quant_type", "nf4"}, {"bnb_4bit_use_double_quant", true}}},
      {"fp4/128", {{"load_in_4bit", true}, {"bnb_4bit_blocksize", 128}}},
      {"int8", {{"load_in_8bit", true}}},
  };
  auto ids = at::randint(4, 500, {2, 12}, at::kLong);
  for (const auto& c : cases) {
    LoadOptions opts{"float32", "cpu", quant::BnbConfig::from_json(c.config), {}};
    auto q = load_decoder(*dir_ / "m", opts);
    auto dense = load_decoder(*dir_ / "m", {"float32", "cpu", {}, {}});
    const auto qs = q->quantized_weights();
    EXPECT_EQ(qs.size(), quantizable_modules(q->config(), q->names()).size()) << c.name;
    for (auto* l : q->linears()) EXPECT_EQ(l->quantized(), l->name != "lm_head") << c.name << " " << l->name;
    auto ql = q->linears(), dl = dense->linears();
    for (size_t i = 0; i < ql.size(); ++i)
      if (ql[i]->quantized()) dl[i]->weight = ql[i]->qweight->dequantize_rows_aten(0, ql[i]->out_features(), at::kFloat);
    // With gradients on (training), every base multiplies by its dequantized weight. Inference on
    // an 8-bit base is LLM.int8() (activations rounded to int8 per row): close, not equal.
    const bool int8 = c.config.contains("load_in_8bit");
    auto a = q->forward(ids).detach();
    at::NoGradGuard no_grad;
    auto b = dense->forward(ids);
    EXPECT_TRUE(at::allclose(a, b, 1e-4, 1e-4)) << c.name << " max diff " << (a - b).abs().max().item<float>();
    auto inference = q->forward(ids);
    if (int8) {
      EXPECT_FALSE(at::allclose(inference, b, 1e-4, 1e-4)) << "int8 inference should round its activations";
      EXPECT_LT((inference - b).norm().item<float>(), 0.05f * b.norm().item<float>()) << c.name;
    } else {
      EXPECT_TRUE(at::allclose(inference, b, 1e-4, 1e-4)) << c.name;
    }
    // and near the original model: 4-bit rounding of random Gaussian weights moves this tiny
    // model's logits by ~20-30% (relative L2); a wrong scale or code would move them by ~100%.
    auto orig = load_decoder(*dir_ / "m", {"float32", "cpu", {}, {}})->forward(ids);
    EXPECT_LT((a - orig).norm().item<float>(), 0.4f * orig.norm().item<float>()) << c.name;
  }
}

TEST_F(QuantizedLoadTest, BadSettingsAreErrors) {
  EXPECT_THROW(quant::BnbConfig::from_json({{"load_in_4bit", true}, {"bnb_4bit_blocksize", 48}}), core::Error);
  EXPECT_THROW(quant::BnbConfig::from_json({{"load_in_4bit", true}, {"bnb_4bit_compute_dtype", "int4"}}), core::Error);
}

}  // namespace
}  // namespace llmcp::model

// The decoder against transformers itself: tiny random models saved by transformers (Llama-2,
// Llama-3.1's rope scaling with tied embeddings, CodeLlama's theta, linear / dynamic rope, biases,
// Mistral's sliding window, Mixtral top-2, Falcon 7b / 40b layouts in both config formats, bf16),
// with the logits, loss, router logits and gradients transformers computed on them
// (tests/fixtures/hf-models, written by `make fixtures`: tools/fixtures/make_models.py; the
// versions are in VERSIONS.json). fp32: logits and loss within 1e-4, gradients within 1e-4 of
// their largest value; bf16 weights computed in fp32 likewise.
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "io/safetensors.h"
#include "model/loader.h"
#include "model/moe.h"
#include "model/tensor_view.h"
#include "test_util.h"

namespace llmcp::model {
namespace {

namespace fs = std::filesystem;

fs::path fixtures() { return testing::source_dir() / "tests/fixtures/hf-models"; }

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(fixtures()))
    if (e.is_directory()) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

class HfFixtureTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = fixtures() / GetParam();
    expected_ = io::SafetensorsFile::open(dir_ / "expected.safetensors");
    ids_ = get("input_ids", at::kLong);
    mask_ = get("attention_mask", at::kLong);
    labels_ = get("labels", at::kLong);
  }
  at::Tensor get(const std::string& key, at::ScalarType t = at::kFloat) const {
    return tensor_from_view(expected_->at(key), t, at::kCPU);
  }
  bool has(const std::string& key) const { return expected_->find(key) != nullptr; }
  // Largest |ours - want| over real tokens (padded positions are undefined in both).
  double diff_on_tokens(const at::Tensor& ours, const at::Tensor& want) const {
    auto valid = mask_.to(at::kBool).unsqueeze(-1).expand_as(want);
    return (ours.to(at::kFloat) - want).abs().masked_select(valid).max().item<double>();
  }
  fs::path dir_;
  std::shared_ptr<const io::SafetensorsFile> expected_;
  at::Tensor ids_, mask_, labels_;
};

TEST(HfFixtures, EveryFamilyIsThere) {
  auto names = case_names();
  for (const char* want : {"llama2", "llama31_rope_tied", "codellama_theta", "mistral_sliding_window", "mixtral_top2",
                           "falcon_7b", "falcon_7b_rw_legacy", "falcon_40b_rw_legacy", "falcon_40b_new_decoder",
                           "llama2_bf16", "llama2_gqa_saved_by_transformers5", "mixtral_fused_experts_layout"})
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want << " missing: run make fixtures";
}

TEST_P(HfFixtureTest, LogitsMatchTransformers) {
  auto decoder = load_decoder(dir_, {"float32", "cpu", {}, {}});
  auto want = get("logits");
  at::NoGradGuard no_grad;
  auto ours = decoder->forward(ids_, mask_);
  ASSERT_EQ(ours.sizes(), want.sizes());
  EXPECT_GT(want.std().item<double>(), 1e-2);
  EXPECT_LT(diff_on_tokens(ours, want), 1e-4);
}

TEST_P(HfFixtureTest, Bf16ComputeStaysNearTransformers) {
  if (!has("logits_bf16")) GTEST_SKIP() << "an fp32 model";
  auto decoder = load_decoder(dir_, {"bfloat16", "cpu", {}, {}});
  at::NoGradGuard no_grad;
  auto ours = decoder->forward(ids_, mask_);
  // bf16 keeps 8 bits of mantissa: at logits of magnitude ~2, one ulp is 2^-6. Different op
  // orders (fused kernels, accumulation) differ by a few ulps, never more.
  EXPECT_LT(diff_on_tokens(ours, get("logits_bf16")), 4.0 / 64);
}

TEST_P(HfFixtureTest, LossRoutingAndGradientsMatchTransformers) {
  auto d = load_decoder(dir_, {"float32", "cpu", {}, {}});
  std::map<std::string, at::Tensor*> slots;
  for (auto& s : d->tensors()) slots[s.name] = s.tensor;
  std::vector<std::string> grads;
  for (const auto& t : expected_->tensors())
    if (t.name.rfind("grad/", 0) == 0) grads.push_back(t.name.substr(5));
  ASSERT_FALSE(grads.empty()) << "the fixture records no gradients";
  for (const auto& g : grads) {
    ASSERT_TRUE(slots.count(g)) << g;
    slots[g]->requires_grad_(true);
  }
  RouterTrace trace;
  auto logits = d->logits(d->hidden_states(ids_, mask_, {}, &trace));
  const int64_t T = ids_.size(1);
  auto ce = at::cross_entropy_loss(logits.narrow(1, 0, T - 1).reshape({-1, logits.size(2)}),
                                   labels_.narrow(1, 1, T - 1).reshape(-1), {}, at::Reduction::Mean, -100);
  EXPECT_NEAR(ce.item<double>(), get("ce_loss").item<double>(), 1e-4);
  auto loss = ce;
  const auto& moe = d->config().moe;
  if (moe && moe->output_router_logits) {
    ASSERT_TRUE(has("router_logits.0"));
    auto valid = mask_.reshape(-1).to(at::kBool);
    for (size_t l = 0; l < trace.logits.size(); ++l) {
      auto want = get("router_logits." + std::to_string(l));
      EXPECT_LT((trace.logits[l] - want).abs().index({valid}).max().item<double>(), 1e-4) << "layer " << l;
    }
    loss = ce + moe->aux_loss_coef * load_balancing_loss(trace.logits, moe->num_experts, moe->top_k, mask_);
  }
  EXPECT_NEAR(loss.item<double>(), get("loss").item<double>(), 1e-4);
  loss.backward();
  for (const auto& g : grads) {
    auto want = get("grad/" + g);
    auto got = slots[g]->grad();
    ASSERT_TRUE(got.defined()) << g;
    const double scale = want.abs().max().item<double>();
    EXPECT_GT(scale, 0) << g;
    EXPECT_LT((got - want).abs().max().item<double>(), 1e-4 * scale) << g;
  }
}

INSTANTIATE_TEST_SUITE_P(Transformers, HfFixtureTest, ::testing::ValuesIn(case_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace llmcp::model

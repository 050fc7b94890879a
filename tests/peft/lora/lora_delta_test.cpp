// LoRA / DoRA math without a reference: gradients of LoRA's A, B and DoRA's magnitude against
// central finite differences in fp64 through the whole decoder; merge then unmerge restores the base;
// merged logits equal adapter logits; a fresh adapter (B = 0, m = ||W0||) leaves outputs unchanged.
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include "model/loader.h"
#include "peft/peft_model.h"
#include "peft/peft_test_util.h"
#include "test_util.h"

namespace llmcp::peft {
namespace {

LoraConfig config(bool dora, LoraInit init = LoraInit::kNone) {
  LoraConfig c;
  c.r = 4;
  c.lora_alpha = 8;
  c.use_dora = dora;
  c.init = init;
  c.target_modules = TargetModules{TargetModules::Kind::kAllLinear, {}, ""};
  return c;
}

void to_double(model::Decoder& d) {
  for (auto& s : d.tensors()) *s.tensor = s.tensor->to(at::kDouble);
}

class LoraMathTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    testing::make_tiny_model(dir_ / "m", R"({"attention_bias": true})");
    decoder_ = model::load_decoder(dir_ / "m", {"float32", "cpu", {}, {}});
  }
  llmcp::testing::TempDir dir_;
  std::unique_ptr<model::Decoder> decoder_;
};

TEST_P(LoraMathTest, GradientsMatchFiniteDifferences) {
  to_double(*decoder_);
  PeftModel peft(*decoder_);
  peft.add_adapter("default", config(GetParam()), 5);
  auto params = peft.parameters("default");
  for (auto& p : params) *p.tensor = p.tensor->detach().to(at::kDouble).requires_grad_(true);
  // DoRA: move m away from ||W0 + sBA|| so that m/n != 1 and the scale terms are exercised.
  if (GetParam())
    for (auto& p : params)
      if (p.key.ends_with("lora_magnitude_vector")) *p.tensor = (p.tensor->detach() * 1.3).requires_grad_(true);
  auto ids = testing::random_ids(2, 9, 3);
  auto targets = at::ones_like(ids);
  auto loss_of = [&] { return testing::masked_nll(decoder_->forward(ids), ids, targets); };
  auto loss = loss_of();
  loss.backward();

  auto gen = at::make_generator<at::CPUGeneratorImpl>(9);
  int checked = 0;
  for (auto& p : params) {
    if (!(p.key.find("layers.1.") != std::string::npos || p.key.find("layers.3.mlp.down") != std::string::npos)) continue;
    // DoRA's n is a constant in backward (paper section 4.3), so finite differences of the true
    // function agree with autograd only for m; DoRA's A and B are checked against the reference.
    if (GetParam() && !p.key.ends_with("lora_magnitude_vector")) continue;
    auto grad = p.tensor->grad();
    ASSERT_TRUE(grad.defined()) << p.key;
    auto flat = p.tensor->detach().view(-1);
    for (int k = 0; k < 3; ++k) {
      const int64_t i = at::randint(0, flat.numel(), {1}, gen, at::kLong).item<int64_t>();
      const double h = 1e-6, orig = flat[i].item<double>();
      at::NoGradGuard g;
      flat[i] = orig + h;
      const double up = loss_of().item<double>();
      flat[i] = orig - h;
      const double down = loss_of().item<double>();
      flat[i] = orig;
      const double fd = (up - down) / (2 * h), ad = grad.view(-1)[i].item<double>();
      EXPECT_NEAR(ad, fd, 1e-6 + 1e-5 * std::abs(fd)) << p.key << "[" << i << "]";
      ++checked;
    }
  }
  EXPECT_GE(checked, 3 * (GetParam() ? 8 : 16));
}

TEST_P(LoraMathTest, MergeUnmergeRestoresBaseAndMergedLogitsMatch) {
  PeftModel peft(*decoder_);
  peft.add_adapter("default", config(GetParam()), 5);
  auto ids = testing::random_ids(2, 12, 4);
  at::NoGradGuard g;
  auto with_adapter = decoder_->forward(ids);
  std::vector<at::Tensor> before;
  for (auto* l : decoder_->linears()) before.push_back(l->weight.clone());
  peft.merge("default");
  EXPECT_TRUE(decoder_->linears()[0]->deltas.empty());
  auto merged = decoder_->forward(ids);
  EXPECT_LT((merged - with_adapter).abs().max().item<double>(), 1e-4);
  peft.unmerge("default");
  size_t i = 0;
  double worst = 0;
  for (auto* l : decoder_->linears()) worst = std::max(worst, (l->weight - before[i++]).abs().max().item<double>());
  EXPECT_LT(worst, 1e-6);
  EXPECT_LT((decoder_->forward(ids) - with_adapter).abs().max().item<double>(), 1e-5);
  // The adapter changes the output (init false: B is not zero), and disabling removes it.
  peft.disable();
  auto base = decoder_->forward(ids);
  EXPECT_GT((base - with_adapter).abs().max().item<double>(), 1e-3);
}

TEST_P(LoraMathTest, FreshAdapterIsIdentity) {
  at::NoGradGuard g;
  auto ids = testing::random_ids(1, 10, 5);
  auto base = decoder_->forward(ids);
  PeftModel peft(*decoder_);
  peft.add_adapter("default", config(GetParam(), LoraInit::kDefault), 5);
  EXPECT_LT((decoder_->forward(ids) - base).abs().max().item<double>(), 1e-5);
}

INSTANTIATE_TEST_SUITE_P(LoraAndDora, LoraMathTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "dora" : "lora"; });

TEST(LoraInitTest, DefaultIsKaimingUniformAndGaussianHasStdOneOverR) {
  llmcp::testing::TempDir dir;
  testing::make_tiny_model(dir / "m");
  auto d = model::load_decoder(dir / "m", {"float32", "cpu", {}, {}});
  PeftModel peft(*d);
  auto c = config(false, LoraInit::kDefault);
  c.r = 16;
  peft.add_adapter("k", c, 1);
  c.init = LoraInit::kGaussian;
  peft.add_adapter("g", c, 1);
  const double in = 128, bound = 1.0 / std::sqrt(in);
  for (auto& p : peft.parameters("k")) {
    if (p.key.ends_with("lora_B.weight")) {
      EXPECT_EQ(p.tensor->abs().max().item<double>(), 0) << p.key;
    }
    if (p.key.ends_with("q_proj.lora_A.weight")) {
      EXPECT_LE(p.tensor->abs().max().item<double>(), bound);
      EXPECT_NEAR(p.tensor->std().item<double>(), bound / std::sqrt(3.0), 0.1 * bound);
    }
  }
  auto all = at::cat([&] {
    std::vector<at::Tensor> v;
    for (auto& p : peft.parameters("g"))
      if (p.key.ends_with("lora_A.weight")) v.push_back(p.tensor->detach().view(-1));
    return v;
  }());
  EXPECT_NEAR(all.std().item<double>(), 1.0 / 16, 0.003);
}

}  // namespace
}  // namespace llmcp::peft

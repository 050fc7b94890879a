// The GPU path against the CPU path on the same tiny model: one training step of LoRA, QLoRA, DoRA
// and the sparse method (loss and, for the adapters, every trainable tensor after the step) in fp32
// and under bf16 autocast; the fused attention kernel on the GPU against the CPU's; greedy
// generation with the KV cache giving the same tokens on both devices.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "core/runtime.h"
#include "model/kv_cache.h"
#include "model/layers.h"
#include "model/loader.h"
#include "model/synthetic.h"
#include "test_util.h"
#include "train/autocast.h"
#include "train/loss.h"
#include "train/optimizer.h"
#include "train/train_config.h"
#include "train/trainable_model.h"

namespace llmcp {
namespace {

std::string tiny_model(const testing::TempDir& dir, const std::string& family = "llama") {
  model::SyntheticSpec spec;
  spec.family = family;
  spec.seed = 3;
  auto out = (dir / family).string();
  model::create_synthetic_model(spec, out);
  return out;
}

struct Step {
  double loss = 0;
  std::map<std::string, at::Tensor> after;  // trainable tensors after the step, on the CPU in fp32
};

// One step on `device`. The adapter's initial values come from `init` when given (the CPU run's),
// so both devices start from the same point whatever generator each device draws from.
Step one_step(const std::string& model_dir, nlohmann::json cfg, const std::string& device,
              std::map<std::string, at::Tensor>* init) {
  cfg["model"] = model_dir;
  cfg["device"] = device;
  cfg["dataset"] = "unused.jsonl";
  cfg["output_dir"] = "unused";
  cfg["lora_dropout"] = 0.0;
  const auto c = train::train_config_from_json(cfg);
  at::manual_seed(0);
  auto m = train::TrainableModel::create(c);
  m->set_training(true);
  {
    at::NoGradGuard no_grad;
    for (auto& p : m->parameters()) {
      if (init->count(p.key)) p.tensor->copy_(init->at(p.key));
      else (*init)[p.key] = p.tensor->detach().cpu().clone();
    }
  }
  train::Optimizer opt(m->parameters(), {.lr = 1e-4});
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
  train::Batch b;
  b.ids = at::randint(4, m->decoder().config().vocab_size, {2, 24}, gen, at::kLong);
  b.attention = at::ones({2, 24}, at::kLong);
  b.attention[1].narrow(0, 0, 5).fill_(0);  // left padding in one row
  b.targets = b.attention.to(at::kBool);
  b.targets.select(1, 0).fill_(false);
  const auto dev = m->decoder().device();
  m->before_step(1, 2);
  opt.zero_grad();
  train::LossSum l;
  {
    train::Autocast ac(c.bf16, dev.type(), core::mixed_precision_dtype(dev));
    l = train::causal_lm_loss(m->decoder(), b);
  }
  auto loss = l.sum / static_cast<double>(l.tokens);
  loss.backward();
  opt.clip_grad_norm(1.0);
  opt.step(1e-4);
  Step s;
  s.loss = loss.item<double>();
  for (auto& p : m->parameters()) s.after[p.key] = p.tensor->detach().to(at::kCPU, at::kFloat);
  return s;
}

struct MethodCase {
  const char* name;
  nlohmann::json cfg;
  bool compare_tensors;  // the sparse method's mask is drawn on each device: its loss only
};

TEST(CudaTraining, OneStepMatchesTheCpu) {
  testing::TempDir dir;
  const auto model_dir = tiny_model(dir);
  const MethodCase cases[] = {
      {"lora", {{"method", "lora"}, {"lora_rank", 8}, {"target_modules", "all-linear"}}, true},
      {"qlora", {{"method", "qlora"}, {"lora_rank", 8}, {"target_modules", "all-linear"}}, true},
      {"dora", {{"method", "dora"}, {"lora_rank", 8}, {"target_modules", {"q_proj", "v_proj"}}}, true},
      {"sparse", {{"method", "sparse"}, {"sparsity_ratio", 0.9}}, false},
  };
  for (const auto& mc : cases)
    for (bool bf16 : {false, true}) {
      auto cfg = mc.cfg;
      cfg["bf16"] = bf16;
      if (std::string(mc.name) == "qlora") cfg["bnb_4bit_compute_dtype"] = bf16 ? "bfloat16" : "float32";
      std::map<std::string, at::Tensor> init;
      const auto cpu = one_step(model_dir, cfg, "cpu", &init);
      const auto gpu = one_step(model_dir, cfg, "cuda", &init);
      const std::string what = std::string(mc.name) + (bf16 ? " bf16" : " fp32");
      const double tol = bf16 ? 2e-2 : 1e-4;
      EXPECT_NEAR(gpu.loss, cpu.loss, tol * std::abs(cpu.loss)) << what;
      if (!mc.compare_tensors) continue;
      ASSERT_EQ(gpu.after.size(), cpu.after.size()) << what;
      for (const auto& [key, t] : cpu.after) {
        const auto diff = (gpu.after.at(key) - t).abs().max().item<double>();
        EXPECT_LT(diff, bf16 ? 1e-4 : 2e-5) << what << " " << key;  // lr 1e-4: a step moves each by ~1e-4
      }
    }
}

TEST(CudaAttention, FusedKernelMatchesTheCpu) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(2);
  const int64_t B = 2, H = 8, K = 2, T = 40, D = 64;
  auto key_valid = at::ones({B, T}, at::kBool);
  key_valid[1].narrow(0, 0, 7).fill_(false);
  for (bool masked : {false, true})
    for (auto dt : {at::kFloat, at::kBFloat16}) {
      auto q = at::randn({B, H, T, D}, gen).to(dt), k = at::randn({B, K, T, D}, gen).to(dt),
           v = at::randn({B, K, T, D}, gen).to(dt);
      auto allowed = masked ? model::build_attention_mask(key_valid, 0, T, std::nullopt) : at::Tensor();
      auto cpu = model::attention(q, k, v, allowed).to(at::kFloat);
      auto gpu = model::attention(q.cuda(), k.cuda(), v.cuda(), allowed.defined() ? allowed.cuda() : allowed)
                     .to(at::kCPU, at::kFloat);
      if (masked) {  // padding queries see nothing: compared nowhere
        cpu = cpu.narrow(2, 7, T - 7);
        gpu = gpu.narrow(2, 7, T - 7);
      }
      const double tol = dt == at::kFloat ? 1e-4 : 3e-2;
      EXPECT_TRUE(at::allclose(gpu, cpu, tol, tol)) << masked << " " << c10::toString(dt) << ": "
                                                    << (gpu - cpu).abs().max().item<double>();
    }
}

std::vector<int64_t> greedy(const model::Decoder& d, int64_t n) {
  at::NoGradGuard no_grad;
  model::KvCache cache(d.config().num_layers);
  auto ids = at::arange(4, 20, at::kLong).view({1, -1});
  std::vector<int64_t> out;
  auto logits = d.forward(ids, {}, &cache, model::LogitsFor::kLast);
  for (int64_t i = 0; i < n; ++i) {
    out.push_back(logits[0][0].argmax().item<int64_t>());
    logits = d.forward(at::tensor({out.back()}, at::kLong).view({1, 1}), {}, &cache, model::LogitsFor::kLast);
  }
  return out;
}

TEST(CudaGeneration, GreedyTokensEqualTheCpus) {
  testing::TempDir dir;
  for (const char* family : {"llama", "mixtral", "falcon"}) {
    const auto m = tiny_model(dir, family);
    auto cpu = model::load_decoder(m, {"float32", "cpu", {}, {}});
    auto gpu = model::load_decoder(m, {"float32", "cuda", {}, {}});
    EXPECT_EQ(greedy(*gpu, 24), greedy(*cpu, 24)) << family;
  }
}

}  // namespace
}  // namespace llmcp

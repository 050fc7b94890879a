// The optimizer step against torch.optim.AdamW (tools/reference/adamw_reference.py in the pinned
// environment, the torch the engine links), in fp64: two parameter groups (weight decay on
// matrices only), gradient clipping to a global norm, a learning rate that changes every step;
// parameters and both moments after three steps must agree. Also: saved moments restore an
// identical optimizer.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "io/safetensors.h"
#include "model/tensor_view.h"
#include "test_util.h"
#include "train/optimizer.h"
#include "trainer_test_util.h"

namespace llmcp::train {
namespace {

using testing::read_all;

struct Problem {
  at::Tensor w, b;                   // parameters: a matrix (decayed) and a vector (not)
  std::vector<at::Tensor> gw, gb;    // their gradients per step
  std::vector<double> lrs = {1e-2, 5e-3, 2e-3};
  AdamWSettings settings{.lr = 1e-2, .beta1 = 0.8, .beta2 = 0.95, .eps = 1e-6, .weight_decay = 0.1};
  double max_norm = 1.0;

  Problem() {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
    auto opts = at::TensorOptions().dtype(at::kDouble);
    w = at::randn({5, 3}, gen, opts);
    b = at::randn({5}, gen, opts);
    for (size_t s = 0; s < lrs.size(); ++s) {
      // Step 0's gradient norm is above max_norm (clipped), the others below it.
      const double scale = s == 0 ? 3.0 : 0.1;
      gw.push_back(at::randn({5, 3}, gen, opts) * scale);
      gb.push_back(at::randn({5}, gen, opts) * scale);
    }
  }

  // Runs the steps on copies of the parameters; returns the optimizer's params for inspection.
  void run(Optimizer& opt, at::Tensor& pw, at::Tensor& pb, size_t first, size_t last) const {
    for (size_t s = first; s < last; ++s) {
      opt.zero_grad();
      pw.mutable_grad() = gw[s].clone();
      pb.mutable_grad() = gb[s].clone();
      opt.clip_grad_norm(max_norm);
      opt.step(lrs[s]);
    }
  }
};

TEST(OptimizerTest, ThreeStepsMatchTorchAdamW) {
  llmcp::testing::TempDir dir;
  Problem p;
  model::NamedTensors in = {{"w", p.w}, {"b", p.b}};
  for (size_t s = 0; s < p.lrs.size(); ++s) {
    in.emplace_back("w.grad." + std::to_string(s), p.gw[s]);
    in.emplace_back("b.grad." + std::to_string(s), p.gb[s]);
  }
  model::save_tensors(dir / "in.safetensors", in);
  std::ofstream(dir / "settings.json") << nlohmann::json{{"lrs", p.lrs},
                                                         {"betas", {p.settings.beta1, p.settings.beta2}},
                                                         {"eps", p.settings.eps},
                                                         {"weight_decay", p.settings.weight_decay},
                                                         {"max_grad_norm", p.max_norm}}
                                              .dump();
  const auto script = llmcp::testing::source_dir() / "tools/reference/adamw_reference.py";
  const auto python = llmcp::testing::pinned_python();
  ASSERT_FALSE(python.empty()) << "LLMCP_PYTHON is not set: run the tests through `make test` (or set "
                                  "LLMCP_PYTHON=$(scripts/install-python-env.sh))";
  const auto r = llmcp::testing::run_command(python + " " + script.string() + " --in " +
                                      (dir / "in.safetensors").string() + " --settings " +
                                      (dir / "settings.json").string() + " --out " + (dir / "ref.safetensors").string());
  ASSERT_EQ(r.status, 0) << r.output;
  const auto ref = read_all(dir / "ref.safetensors");

  at::Tensor pw = p.w.clone().requires_grad_(true), pb = p.b.clone().requires_grad_(true);
  Optimizer opt({{"w", &pw}, {"b", &pb}}, p.settings);
  p.run(opt, pw, pb, 0, p.lrs.size());
  opt.save(dir / "ours.safetensors");
  auto ours = read_all(dir / "ours.safetensors");
  ours["w"] = pw.detach();
  ours["b"] = pb.detach();
  for (const char* k : {"w", "b", "w.exp_avg", "b.exp_avg", "w.exp_avg_sq", "b.exp_avg_sq"}) {
    ASSERT_TRUE(ref.count(k)) << k;
    EXPECT_LT((ours.at(k) - ref.at(k)).abs().max().item<double>(), 1e-12) << k;
  }
  // The parameters did move (a test that compares two unchanged copies would pass too).
  EXPECT_GT((pw - p.w).abs().max().item<double>(), 1e-3);
}

TEST(OptimizerTest, SavedStateResumesBitForBit) {
  llmcp::testing::TempDir dir;
  Problem p;
  at::Tensor aw = p.w.clone().requires_grad_(true), ab = p.b.clone().requires_grad_(true);
  Optimizer a({{"w", &aw}, {"b", &ab}}, p.settings);
  p.run(a, aw, ab, 0, 3);

  at::Tensor bw = p.w.clone().requires_grad_(true), bb = p.b.clone().requires_grad_(true);
  {
    Optimizer first({{"w", &bw}, {"b", &bb}}, p.settings);
    p.run(first, bw, bb, 0, 1);
    first.save(dir / "state.safetensors");
  }
  Optimizer second({{"w", &bw}, {"b", &bb}}, p.settings);
  second.load(dir / "state.safetensors");
  p.run(second, bw, bb, 1, 3);
  EXPECT_TRUE(at::equal(aw, bw));
  EXPECT_TRUE(at::equal(ab, bb));
}

}  // namespace
}  // namespace llmcp::train

// GradScaler (fp16 mixed precision's loss scaling) against torch.amp.GradScaler itself
// (tools/reference/grad_scaler_reference.py in the pinned environment): the scale before and after
// every step, the unscaled gradients and which steps are skipped, over finite steps, an inf, a NaN
// and enough finite steps in a row to grow the scale twice.
#include "train/grad_scaler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "test_util.h"

namespace llmcp::train {
namespace {

TEST(GradScaler, MatchesTorchAmpGradScaler) {
  const auto python = testing::pinned_python();
  ASSERT_FALSE(python.empty()) << "LLMCP_PYTHON is not set: run the tests through `make test` (or set "
                                  "LLMCP_PYTHON=$(scripts/install-python-env.sh))";
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  const std::vector<std::vector<double>> steps = {
      {0.5, -1.25, 3e-4}, {1.0, inf, 2.0}, {0.1, 0.2, -0.3}, {7.0, -1e-3, 0.0},  {2.5, nan, 1.0},
      {1e-6, 0.3, -0.7},  {0.9, 0.8, 0.7}, {-2.0, 4.0, 1.5}, {0.25, 0.5, 0.125}, {3.0, -3.0, 1e-2}};
  GradScaler::Settings s{1024.0, 2.0, 0.5, 2};
  testing::TempDir dir;
  nlohmann::json spec = {{"settings",
                          {{"init_scale", s.init_scale},
                           {"growth_factor", s.growth_factor},
                           {"backoff_factor", s.backoff_factor},
                           {"growth_interval", s.growth_interval}}}};
  for (const auto& st : steps) {
    nlohmann::json row = nlohmann::json::array();
    for (double v : st) row.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(std::isnan(v) ? "nan" : "inf"));
    spec["steps"].push_back(row);
  }
  std::ofstream(dir / "spec.json") << spec.dump();
  const auto script = testing::source_dir() / "tools/reference/grad_scaler_reference.py";
  const auto r = testing::run_command(python + " " + script.string() + " " + (dir / "spec.json").string() + " 2>&1");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto want = nlohmann::json::parse(r.output);
  ASSERT_EQ(want.size(), steps.size());

  GradScaler scaler(c10::Device(c10::kCPU), s);
  int skipped = 0, grown = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    const auto& w = want[i];
    const double before = scaler.scale_value();
    EXPECT_EQ(before, w["scale_before"].get<double>()) << "step " << i;
    auto g = at::tensor(steps[i], at::kFloat) * static_cast<float>(before);  // backward of the scaled loss
    const bool finite = scaler.unscale({g});
    EXPECT_EQ(finite, w["stepped"].get<bool>()) << "step " << i;
    for (int64_t j = 0; j < g.size(0); ++j) {
      const auto& u = w["unscaled"][static_cast<size_t>(j)];
      const float got = g[j].item<float>();
      if (u.is_string()) EXPECT_FALSE(std::isfinite(got)) << "step " << i << " [" << j << "]";
      else EXPECT_EQ(got, u.get<float>()) << "step " << i << " [" << j << "]";
    }
    scaler.update();
    EXPECT_EQ(scaler.scale_value(), w["scale_after"].get<double>()) << "step " << i;
    skipped += !finite;
    grown += scaler.scale_value() > before;
  }
  EXPECT_EQ(skipped, 2);  // the inf and the NaN steps
  EXPECT_GE(grown, 2);    // growth_interval 2: the scale grew after runs of finite steps
}

TEST(GradScaler, RejectsSettingsThatCannotWork) {
  EXPECT_THROW(GradScaler(c10::Device(c10::kCPU), GradScaler::Settings{0.0, 2.0, 0.5, 2000}), core::Error);
  EXPECT_THROW(GradScaler(c10::Device(c10::kCPU), GradScaler::Settings{1.0, 1.0, 0.5, 2000}), core::Error);
}

}  // namespace
}  // namespace llmcp::train

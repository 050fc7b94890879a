// The exact-GELU MLP's gradient is right whatever the layout of the gradient it receives: against
// the analytic derivative Phi(x) + x phi(x), with a transposed (non-contiguous) incoming gradient as
// an adapter's backward can produce. (Debian's libtorch 1.13 got this wrong, by 1e24, and the
// decoder carried its own GELU backward; libtorch 2.x's at::gelu is used directly since.)
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "model/layers.h"

namespace llmcp::model {
namespace {

TEST(GeluTest, GradientIsRightForATransposedIncomingGradient) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
  auto x = at::randn({37, 24}, gen).requires_grad_(true);
  auto g = at::randn({24, 37}, gen).t();  // non-contiguous
  ASSERT_FALSE(g.is_contiguous());
  Mlp mlp;  // down(gelu(up x)) with identity projections: the GELU alone
  mlp.up = Linear{"up", at::eye(24), {}, {}, {}, {}};
  mlp.down = Linear{"down", at::eye(24), {}, {}, {}, {}};
  auto y = mlp.forward(MlpKind::kGelu, x);
  EXPECT_TRUE(at::allclose(y, at::gelu(x.detach())));
  y.backward(g);
  auto xd = x.detach();
  auto derivative = 0.5 * (1 + at::erf(xd / std::sqrt(2.0))) + xd * at::exp(-0.5 * xd * xd) / std::sqrt(2 * M_PI);
  EXPECT_LT((x.grad() - g * derivative).abs().max().item<double>(), 1e-5);
}

}  // namespace
}  // namespace llmcp::model

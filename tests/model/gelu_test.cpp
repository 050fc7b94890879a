// The exact GELU's gradient is right whatever the layout of the gradient it receives: against the
// analytic derivative Phi(x) + x phi(x), with a transposed (non-contiguous) incoming gradient as
// an adapter's backward can produce.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "model/gelu.h"

namespace llmcp::model {
namespace {

TEST(GeluTest, GradientIsRightForATransposedIncomingGradient) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
  auto x = at::randn({37, 24}, gen).requires_grad_(true);
  auto g = at::randn({24, 37}, gen).t();  // non-contiguous
  ASSERT_FALSE(g.is_contiguous());
  auto y = model::gelu(x);
  EXPECT_TRUE(at::allclose(y, at::gelu(x.detach())));
  y.backward(g);
  auto xd = x.detach();
  auto derivative = 0.5 * (1 + at::erf(xd / std::sqrt(2.0))) + xd * at::exp(-0.5 * xd * xd) / std::sqrt(2 * M_PI);
  EXPECT_LT((x.grad() - g * derivative).abs().max().item<double>(), 1e-5);
}

}  // namespace
}  // namespace llmcp::model

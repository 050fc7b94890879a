// Sampling: seeded reproducibility, each processor's definition, and that draws follow the
// processed distribution (frequency check over many draws).
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <map>

#include "core/error.h"
#include "infer/sampler.h"

namespace llmcp::infer {
namespace {

at::Tensor logits_of(std::vector<float> v) { return at::tensor(v); }

int64_t finite_count(const at::Tensor& t) { return at::isfinite(t).sum().item<int64_t>(); }

TEST(SamplerTest, GreedyPicksArgmax) {
  Sampler s({});
  EXPECT_EQ(s.next(logits_of({0.1f, 3.f, -1.f, 2.9f}), {}), 1);
}

TEST(SamplerTest, SeededSamplingIsReproducible) {
  auto logits = at::randn({50}, at::make_generator<at::CPUGeneratorImpl>(1));
  auto draw = [&](uint64_t seed) {
    Sampler s({.temperature = 1.0, .seed = seed});
    std::vector<int64_t> out;
    for (int i = 0; i < 40; ++i) out.push_back(s.next(logits, {}));
    return out;
  };
  EXPECT_EQ(draw(42), draw(42));
  EXPECT_NE(draw(42), draw(43));
}

TEST(SamplerTest, TopKKeepsExactlyK) {
  Sampler s({.temperature = 1.0, .top_k = 3});
  auto p = s.process(logits_of({1, 5, 2, 4, 3, 0}), {});
  EXPECT_EQ(finite_count(p), 3);
  EXPECT_TRUE(std::isinf(p[0].item<float>()));
  EXPECT_TRUE(std::isfinite(p[1].item<float>()));
}

TEST(SamplerTest, TopPKeepsSmallestSetReachingP) {
  // probs 0.5, 0.3, 0.15, 0.05: top_p 0.7 keeps {0.5, 0.3}; 0.85 keeps three.
  auto logits = logits_of({std::log(0.5f), std::log(0.3f), std::log(0.15f), std::log(0.05f)});
  EXPECT_EQ(finite_count(Sampler({.temperature = 1.0, .top_p = 0.7}).process(logits, {})), 2);
  EXPECT_EQ(finite_count(Sampler({.temperature = 1.0, .top_p = 0.85}).process(logits, {})), 3);
  EXPECT_EQ(finite_count(Sampler({.temperature = 1.0, .top_p = 0.01}).process(logits, {})), 1);
}

TEST(SamplerTest, MinPDropsBelowFractionOfTop) {
  auto logits = logits_of({std::log(0.5f), std::log(0.3f), std::log(0.15f), std::log(0.05f)});
  // threshold 0.4 * 0.5 = 0.2: keeps 0.5 and 0.3
  EXPECT_EQ(finite_count(Sampler({.temperature = 1.0, .min_p = 0.4}).process(logits, {})), 2);
}

TEST(SamplerTest, TemperatureComesBeforeTopPAndMinP) {
  // HF order: temperature, then top-k, top-p, min-p. At T=0.5 the probabilities become
  // (0.686, 0.247, 0.062, 0.007): top_p 0.6 keeps one token (two if top-p came first) and
  // min_p 0.3 keeps two (three if min-p came first).
  auto logits = logits_of({std::log(0.5f), std::log(0.3f), std::log(0.15f), std::log(0.05f)});
  EXPECT_EQ(finite_count(Sampler({.temperature = 0.5, .top_p = 0.6}).process(logits, {})), 1);
  EXPECT_EQ(finite_count(Sampler({.temperature = 0.5, .min_p = 0.3}).process(logits, {})), 2);
  // top-k before top-p: after keeping the top 2 (renormalised 0.735/0.265), top_p 0.7 keeps 1.
  EXPECT_EQ(finite_count(Sampler({.temperature = 0.5, .top_k = 2, .top_p = 0.7}).process(logits, {})), 1);
}

TEST(SamplerTest, RepetitionPenaltyFollowsHfRule) {
  Sampler s({.repetition_penalty = 2.0});
  auto p = s.process(logits_of({4.f, -4.f, 1.f}), {0, 1, 1, 7, -1});  // out-of-range ids ignored
  EXPECT_FLOAT_EQ(p[0].item<float>(), 2.f);   // positive: divided
  EXPECT_FLOAT_EQ(p[1].item<float>(), -8.f);  // negative: multiplied (once, not per occurrence)
  EXPECT_FLOAT_EQ(p[2].item<float>(), 1.f);
}

TEST(SamplerTest, DrawsFollowDistribution) {
  auto logits = logits_of({std::log(0.6f), std::log(0.3f), std::log(0.1f)});
  Sampler s({.temperature = 1.0, .seed = 7});
  std::map<int64_t, int> counts;
  const int n = 20000;
  for (int i = 0; i < n; ++i) counts[s.next(logits, {})]++;
  EXPECT_NEAR(counts[0] / double(n), 0.6, 0.02);
  EXPECT_NEAR(counts[1] / double(n), 0.3, 0.02);
  EXPECT_NEAR(counts[2] / double(n), 0.1, 0.02);
  // Temperature 0.5 sharpens: p ∝ p^2 -> 0.36/0.46 ≈ 0.783 for the first.
  Sampler cold({.temperature = 0.5, .seed = 7});
  int first = 0;
  for (int i = 0; i < n; ++i) first += cold.next(logits, {}) == 0;
  EXPECT_NEAR(first / double(n), 0.36 / 0.46, 0.02);
}

TEST(SamplerTest, InvalidParamsAreRejected) {
  EXPECT_THROW(Sampler({.temperature = -1}), core::Error);
  EXPECT_THROW(Sampler({.top_p = 0}), core::Error);
  EXPECT_THROW(Sampler({.min_p = 2}), core::Error);
  EXPECT_THROW(Sampler({.repetition_penalty = 0}), core::Error);
}

}  // namespace
}  // namespace llmcp::infer

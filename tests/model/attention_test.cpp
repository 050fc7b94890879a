// Top-k attention (sparse fine-tuning): ratio 1 is dense attention exactly; a small ratio leaves
// each query exactly ceil(ratio * visible) keys with non-zero weight, and those are its highest
// scores (checked against a direct per-query computation).
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "model/layers.h"

namespace llmcp::model {
namespace {

at::Generator gen(uint64_t s) { return at::make_generator<at::CPUGeneratorImpl>(s); }

struct Inputs {
  at::Tensor q, k, v, allowed;
};

Inputs make_inputs() {
  const int64_t B = 2, H = 4, K = 2, T = 9, D = 8;
  Inputs in;
  in.q = at::randn({B, H, T, D}, gen(1));
  in.k = at::randn({B, K, T, D}, gen(2));
  in.v = at::eye(T).expand({B, K, T, T}).contiguous();  // V = identity: the output row is the weights
  auto key_valid = at::ones({B, T}, at::kBool);
  key_valid[1].narrow(0, 0, 2).fill_(false);  // left padding in the second row
  in.allowed = build_attention_mask(key_valid, 0, T, std::nullopt);
  return in;
}

TEST(TopkAttention, RatioOneIsDenseAttention) {
  auto in = make_inputs();
  auto dense = attention(in.q, in.k, in.v, in.allowed);
  auto topk = attention(in.q, in.k, in.v, in.allowed, 1.0);
  EXPECT_TRUE(at::equal(dense, topk));
}

TEST(TopkAttention, EachQueryKeepsItsTopScores) {
  auto in = make_inputs();
  const double ratio = 0.3;
  auto w = attention(in.q, in.k, in.v, in.allowed, ratio);  // [B,H,T,S] weights
  auto scores = at::matmul(in.q, in.k.repeat_interleave(2, 1).transpose(-2, -1));
  const int64_t B = w.size(0), H = w.size(1), T = w.size(2), S = w.size(3);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t t = 0; t < T; ++t) {
        std::vector<std::pair<float, int64_t>> visible;
        for (int64_t s = 0; s < S; ++s)
          if (in.allowed[b][0][t][s].item<bool>()) visible.emplace_back(scores[b][h][t][s].item<float>(), s);
        if (visible.empty()) continue;  // a padding query
        const auto keep = static_cast<size_t>(std::ceil(ratio * static_cast<double>(visible.size())));
        std::sort(visible.begin(), visible.end(), [](auto& a, auto& c) { return a.first > c.first; });
        int64_t nonzero = 0;
        for (int64_t s = 0; s < S; ++s) nonzero += w[b][h][t][s].item<float>() > 0;
        EXPECT_EQ(nonzero, static_cast<int64_t>(keep)) << b << "," << h << "," << t;
        for (size_t i = 0; i < keep; ++i) EXPECT_GT(w[b][h][t][visible[i].second].item<float>(), 0);
        EXPECT_NEAR(w[b][h][t].sum().item<float>(), 1.0f, 1e-5);
      }
}

TEST(TopkAttention, GradientFlowsThroughKeptScores) {
  auto in = make_inputs();
  auto q = in.q.clone().requires_grad_(true);
  attention(q, in.k, at::randn(in.v.sizes(), gen(3)), in.allowed, 0.5).sum().backward();
  EXPECT_TRUE(q.grad().defined());
  EXPECT_TRUE(at::isfinite(q.grad()).all().item<bool>());
}

}  // namespace
}  // namespace llmcp::model

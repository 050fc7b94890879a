// Attention: the fused kernel against the eager reference (outputs and gradients over every mask
// the decoder builds); top-k attention (sparse fine-tuning): ratio 1 is eager attention exactly; a
// small ratio leaves each query exactly ceil(ratio * visible) keys with non-zero weight, and those
// are its highest scores (checked against a direct per-query computation).
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <string>
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
  auto dense = attention(in.q, in.k, in.v, in.allowed, 0.0, AttentionKernel::kEager);
  auto topk = attention(in.q, in.k, in.v, in.allowed, 1.0);
  EXPECT_TRUE(at::equal(dense, topk));
}

// The fused kernel (scaled_dot_product_attention) against the eager reference: outputs and the
// gradients of q, k and v, over GQA, left padding, a sliding window, packed segments, the mask-free causal path (T == S, and a block of
// queries after a cache, T < S) and single-token decode; fp32 and bf16.
struct FusedCase {
  const char* name;
  int64_t T, S;
  bool pad, window, segments, no_mask;
};

TEST(FusedAttention, MatchesEagerOutputsAndGradients) {
  const FusedCase cases[] = {
      {"padding", 9, 9, true, false, false, false},    {"window", 9, 9, false, true, false, false},
      {"segments", 9, 9, false, false, true, false},   {"causal", 9, 9, false, false, false, true},
      {"after cache", 3, 9, false, false, false, true}, {"decode", 1, 9, false, false, false, true},
      {"decode padded", 1, 9, true, false, false, false},
  };
  const int64_t B = 2, H = 4, K = 2, D = 16;
  for (const auto& c : cases)
    for (auto dt : {at::kFloat, at::kBFloat16}) {
      auto q0 = at::randn({B, H, c.T, D}, gen(4)).to(dt), k0 = at::randn({B, K, c.S, D}, gen(5)).to(dt),
           v0 = at::randn({B, K, c.S, D}, gen(6)).to(dt), g = at::randn({B, H, c.T, D}, gen(7)).to(dt);
      at::Tensor allowed;
      if (!c.no_mask) {
        auto key_valid = at::ones({B, c.S}, at::kBool);
        if (c.pad) key_valid[1].narrow(0, 0, 4).fill_(false);
        at::Tensor seg;
        if (c.segments) seg = at::tensor({0, 0, 0, 1, 1, 1, 1, 2, 2}, at::kLong).expand({B, c.S});
        allowed = build_attention_mask(key_valid, c.S - c.T, c.T, c.window ? std::optional<int64_t>(3) : std::nullopt,
                                       seg);
      }
      // A query with no visible key (padding) is compared nowhere: the kernels differ there by design
      // (zeros vs the values' mean) and nothing reads it, so its incoming gradient is zero too.
      at::Tensor seen = allowed.defined() ? allowed.any(-1, /*keepdim=*/true).expand({B, H, c.T, 1})
                                          : at::ones({B, H, c.T, 1}, at::kBool);
      g = g * seen.to(dt);
      std::vector<at::Tensor> outs, grads;
      for (auto kernel : {AttentionKernel::kFused, AttentionKernel::kEager}) {
        auto q = q0.clone().requires_grad_(true), k = k0.clone().requires_grad_(true),
             v = v0.clone().requires_grad_(true);
        auto y = attention(q, k, v, allowed, 0.0, kernel);
        y.backward(g);
        outs.push_back((y.detach() * seen.to(dt)).to(at::kFloat));
        for (auto* t : {&q, &k, &v}) grads.push_back(t->grad().to(at::kFloat));
      }
      const double tol = dt == at::kFloat ? 1e-5 : 3e-2;
      const std::string what = std::string(c.name) + " " + c10::toString(dt);
      EXPECT_TRUE(at::allclose(outs[0], outs[1], tol, tol)) << what << ": " << (outs[0] - outs[1]).abs().max();
      for (int i = 0; i < 3; ++i)
        EXPECT_TRUE(at::allclose(grads[i], grads[3 + i], tol, tol))
            << what << " gradient " << "qkv"[i] << ": " << (grads[i] - grads[3 + i]).abs().max();
    }
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

// The sparse delta against a dense-masked reference (a dense trainable D times the 0/1 mask, by
// autograd) and finite differences: forward, the values' and the input's gradients, the dense
// gradient RigL collects; the drop-and-grow step against a direct computation on a tiny layer;
// the cosine schedule's counts; construction errors.
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <set>

#include "core/error.h"
#include "peft/sparse/sparse_delta.h"

namespace llmcp::peft {
namespace {

at::Generator gen(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

std::shared_ptr<SparseDelta> make_delta(int64_t out, int64_t in, double sparsity, bool structured, uint64_t seed) {
  SparseConfig c;
  c.sparsity_ratio = sparsity;
  c.sparsity_type = structured ? SparsityType::kStructured : SparsityType::kUnstructured;
  auto d = SparseDelta::random(out, in, c, gen(seed), at::kCPU, "test");
  at::NoGradGuard g;
  d->values().normal_(0, 1, gen(seed + 1));
  return d;
}

// The reference: y = x (D o M)^T with D dense and trainable and M the 0/1 mask.
struct Reference {
  at::Tensor D, mask;
  Reference(const SparseDelta& d) {
    mask = at::zeros({d.out_features() * d.in_features()}).index_fill_(0, d.indices(), 1.0).view({d.out_features(), d.in_features()});
    D = d.dense().clone().requires_grad_(true);
  }
  at::Tensor forward(const at::Tensor& x) const { return at::matmul(x, (D * mask).t()); }
};

class SparseDeltaTest : public ::testing::TestWithParam<bool> {};  // structured?

TEST_P(SparseDeltaTest, ForwardEqualsDenseMaskedModel) {
  auto d = make_delta(24, 40, 0.8, GetParam(), 1);
  auto x = at::randn({3, 7, 40}, gen(2));
  model::Linear base;
  auto y = d->delta(base, x, at::zeros({3, 7, 24}));
  Reference ref(*d);
  EXPECT_TRUE(at::allclose(y, ref.forward(x).detach(), 1e-5, 1e-5));
  EXPECT_TRUE(at::allclose(d->delta_reference(x).detach(), y, 1e-5, 1e-5));
  // No grad anywhere: the no-autograd path gives the same.
  at::NoGradGuard g;
  EXPECT_TRUE(at::allclose(d->delta(base, x, at::zeros({3, 7, 24})), y.detach(), 1e-6, 1e-6));
}

TEST_P(SparseDeltaTest, GradientsMatchReferenceAndFiniteDifferences) {
  auto d = make_delta(24, 40, 0.8, GetParam(), 3);
  auto x = at::randn({2, 9, 40}, gen(4)).requires_grad_(true);
  auto w = at::randn({2, 9, 24}, gen(5));
  model::Linear base;
  // A loss with curvature in x and y so the input gradient is checked too.
  auto loss_of = [&](const at::Tensor& y) { return (y * w).sum() + 0.5 * (y * y).sum(); };
  auto loss = loss_of(d->delta(base, x, at::zeros({2, 9, 24})));
  loss.backward();
  auto gv = d->values().grad().clone();
  auto gx = x.grad().clone();

  Reference ref(*d);
  auto xr = x.detach().clone().requires_grad_(true);
  loss_of(ref.forward(xr)).backward();
  auto gref = ref.D.grad().reshape({-1}).index_select(0, d->indices());
  EXPECT_TRUE(at::allclose(gv, gref, 1e-5, 1e-5)) << (gv - gref).abs().max();
  EXPECT_TRUE(at::allclose(gx, xr.grad(), 1e-5, 1e-5)) << (gx - xr.grad()).abs().max();

  // Central differences on a few values, the loss evaluated through the delta itself. The loss is
  // quadratic in the values, so a central difference is exact for any step: a large one keeps the
  // fp32 rounding of the forward small against it.
  at::NoGradGuard g;
  auto v0 = d->values().detach().clone();
  for (int64_t j : {int64_t{0}, d->size() / 2, d->size() - 1}) {
    const double h = 0.5;
    auto eval = [&](double dv) {
      d->values().copy_(v0);
      d->values()[j] += dv;
      return loss_of(d->delta(base, x.detach(), at::zeros({2, 9, 24})).to(at::kDouble)).item<double>();
    };
    const double fd = (eval(h) - eval(-h)) / (2 * h);
    EXPECT_NEAR(gv[j].item<double>(), fd, 1e-5 * std::max(1.0, std::abs(fd))) << "entry " << j;
  }
  d->values().copy_(v0);
}

TEST_P(SparseDeltaTest, CollectsTheDenseGradientOnlyWhenAsked) {
  auto d = make_delta(16, 12, 0.9, GetParam(), 6);
  auto x = at::randn({5, 12}, gen(7));
  auto w = at::randn({5, 16}, gen(8));
  model::Linear base;
  (d->delta(base, x, at::zeros({5, 16})) * w).sum().backward();
  EXPECT_FALSE(d->dense_gradient().defined());
  d->collect_dense_gradient(true);
  for (int i = 0; i < 2; ++i) (d->delta(base, x, at::zeros({5, 16})) * w).sum().backward();  // accumulates
  auto D = d->dense().requires_grad_(true);
  (at::matmul(x, D.t()) * w).sum().backward();
  EXPECT_TRUE(at::allclose(d->dense_gradient(), 2 * D.grad(), 1e-5, 1e-5));
}

INSTANTIATE_TEST_SUITE_P(Layouts, SparseDeltaTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "structured" : "unstructured"; });

TEST(SparseDeltaMask, RandomMaskHasExactlyKSortedUniqueEntries) {
  SparseConfig c;
  c.sparsity_ratio = 0.9;
  auto d = SparseDelta::random(30, 20, c, gen(1), at::kCPU, "t");
  EXPECT_EQ(d->size(), 60);  // round(0.1 * 600)
  auto idx = d->indices();
  EXPECT_TRUE(at::equal(idx, std::get<0>(idx.sort())));
  EXPECT_EQ(std::get<0>(at::_unique(idx)).numel(), 60);
  EXPECT_TRUE(at::equal(d->values(), at::zeros({60})));
  c.sparsity_type = SparsityType::kStructured;
  auto s = SparseDelta::random(30, 20, c, gen(1), at::kCPU, "t");
  EXPECT_EQ(s->size(), 3 * 20);  // round(0.1 * 30) rows
}

// The drop-and-grow step on a 6 x 5 layer, checked against a direct computation.
TEST(SparseDeltaMask, DropsSmallestValuesAndGrowsLargestInactiveGradients) {
  const int64_t out = 6, in = 5;
  auto idx = at::tensor(std::vector<int64_t>{1, 4, 7, 8, 13, 20, 22, 29});
  auto vals = at::tensor(std::vector<float>{0.5f, -0.05f, 2.0f, 0.01f, -1.0f, 0.3f, -0.02f, 0.7f}).requires_grad_(true);
  SparseDelta d(out, in, idx, vals, false, "t");
  d.collect_dense_gradient(true);
  auto x = at::randn({4, in}, gen(9));
  auto w = at::randn({4, out}, gen(10));
  model::Linear base;
  (d.delta(base, x, at::zeros({4, out})) * w).sum().backward();
  auto G = d.dense_gradient().reshape({-1}).clone();
  auto old_idx = d.indices().clone();
  auto old_vals = d.values().detach().clone();

  auto change = d.update_mask(3);
  EXPECT_EQ(change.swapped, 3);
  EXPECT_EQ(d.size(), 8);
  // Direct computation: the three smallest |value| go, the three largest |G| outside the old mask come.
  std::vector<int64_t> slots(8);
  std::iota(slots.begin(), slots.end(), 0);
  std::stable_sort(slots.begin(), slots.end(), [&](int64_t a, int64_t b) {
    return std::abs(old_vals[a].item<float>()) < std::abs(old_vals[b].item<float>());
  });
  std::set<int64_t> dropped, kept, grown;
  for (int i = 0; i < 8; ++i) (i < 3 ? dropped : kept).insert(old_idx[slots[i]].item<int64_t>());
  EXPECT_EQ(dropped, (std::set<int64_t>{4, 8, 22}));
  std::vector<int64_t> inactive;
  std::set<int64_t> old_set;
  for (int64_t j = 0; j < 8; ++j) old_set.insert(old_idx[j].item<int64_t>());
  for (int64_t p = 0; p < out * in; ++p)
    if (!old_set.count(p)) inactive.push_back(p);
  std::sort(inactive.begin(), inactive.end(), [&](int64_t a, int64_t b) {
    return std::abs(G[a].item<float>()) > std::abs(G[b].item<float>());
  });
  grown.insert(inactive.begin(), inactive.begin() + 3);
  std::set<int64_t> expect = kept;
  expect.insert(grown.begin(), grown.end());
  std::set<int64_t> now;
  for (int64_t j = 0; j < 8; ++j) now.insert(d.indices()[j].item<int64_t>());
  EXPECT_EQ(now, expect);
  EXPECT_TRUE(at::equal(d.indices(), std::get<0>(d.indices().sort())));
  // Kept entries keep their values, grown ones start at 0; `source` says where each came from.
  for (int64_t j = 0; j < 8; ++j) {
    const int64_t p = d.indices()[j].item<int64_t>(), src = change.source[j].item<int64_t>();
    if (grown.count(p)) {
      EXPECT_EQ(src, -1);
      EXPECT_EQ(d.values()[j].item<float>(), 0.0f);
    } else {
      ASSERT_GE(src, 0);
      EXPECT_EQ(old_idx[src].item<int64_t>(), p);
      EXPECT_EQ(d.values()[j].item<float>(), old_vals[src].item<float>());
    }
  }
  EXPECT_FALSE(d.dense_gradient().defined());  // cleared for the next interval
}

TEST(SparseDeltaMask, StructuredSwapsWholeRows) {
  const int64_t out = 5, in = 3;
  // Rows 0, 2, 3 active; row 2 has the smallest norm.
  auto idx = at::tensor(std::vector<int64_t>{0, 1, 2, 6, 7, 8, 9, 10, 11});
  auto vals = at::tensor(std::vector<float>{1, 1, 1, 0.1f, 0.1f, 0.1f, 2, 0, 0}).requires_grad_(true);
  SparseDelta d(out, in, idx, vals, true, "t");
  d.collect_dense_gradient(true);
  auto x = at::randn({4, in}, gen(11));
  auto w = at::zeros({4, out});
  w.select(1, 4).fill_(3.0);  // row 4's gradient is the largest of the inactive rows (1 and 4)
  w.select(1, 1).fill_(0.1);
  model::Linear base;
  (d.delta(base, x, at::zeros({4, out})) * w).sum().backward();
  auto change = d.update_mask(1);
  EXPECT_EQ(change.swapped, 3);
  EXPECT_TRUE(at::equal(d.indices(), at::tensor(std::vector<int64_t>{0, 1, 2, 9, 10, 11, 12, 13, 14})));
  EXPECT_TRUE(at::equal(d.values().detach(), at::tensor(std::vector<float>{1, 1, 1, 2, 0, 0, 0, 0, 0})));
}

TEST(SparseDeltaMask, CosineScheduleCounts) {
  SparseConfig c;
  c.mask_update_fraction = 0.3;
  c.mask_update_interval = 100;
  const int64_t T = 1000, k = 5000;
  for (int64_t t : {100, 300, 500, 900}) {
    const double f = 0.3 / 2 * (1 + std::cos(std::numbers::pi * static_cast<double>(t) / T));
    EXPECT_DOUBLE_EQ(c.update_fraction(t, T), f);
    EXPECT_EQ(c.swap_count(t, T, k, 1000000), std::llround(f * k));
    EXPECT_TRUE(c.updates_at(t, T));
  }
  EXPECT_EQ(c.swap_count(100, T, k, 7), 7);  // never more than the inactive entries
  EXPECT_FALSE(c.updates_at(150, T));
  EXPECT_FALSE(c.updates_at(1000, T));  // not after the last step
  c.use_rigl = false;
  EXPECT_FALSE(c.updates_at(100, T));
  c.use_rigl = true;
  c.mask_update_interval = 0;
  EXPECT_FALSE(c.updates_at(100, T));
  EXPECT_EQ(SparseConfig{}.trainable_entries(4096, 4096), std::llround(0.01 * 4096 * 4096));
}

TEST(SparseDeltaErrors, SaysWhatIsWrong) {
  auto v = at::zeros({3});
  auto expect_error = [&](const at::Tensor& idx, const at::Tensor& vals, bool structured, const std::string& part) {
    try {
      const SparseDelta d(4, 5, idx, vals, structured, "layer.q_proj");
      FAIL() << "no error for " << part;
    } catch (const core::Error& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("layer.q_proj"), std::string::npos) << e.what();
    }
  };
  expect_error(at::tensor(std::vector<int64_t>{0, 5, 20}), v, false, "[0, 20)");
  expect_error(at::tensor(std::vector<int64_t>{0, 5, 5}), v, false, "twice");
  expect_error(at::tensor(std::vector<int64_t>{0, 5}), v, false, "same non-zero length");
  expect_error(at::tensor(std::vector<float>{0, 5, 6}), v, false, "integers");
  expect_error(at::tensor(std::vector<int64_t>{0, 1, 3}), v, true, "whole rows");
  // Unsorted input is sorted, with the values along.
  SparseDelta d(4, 5, at::tensor(std::vector<int64_t>{7, 2, 9}), at::tensor(std::vector<float>{1, 2, 3}), false, "t");
  EXPECT_TRUE(at::equal(d.indices(), at::tensor(std::vector<int64_t>{2, 7, 9})));
  EXPECT_TRUE(at::equal(d.values(), at::tensor(std::vector<float>{2, 1, 3})));
}

}  // namespace
}  // namespace llmcp::peft

// The mixture of experts without a reference: the grouped computation equals running every
// expert on every token and weighting by the renormalised top-k probabilities; each expert sees
// only its own tokens (N*k rows in all, not N*E); the router's jitter noise applies in training only; the load-balancing loss equals its formula
// written per token; with gradient checkpointing the routing and every gradient (the
// load-balancing loss's included) equal the plain pass; the KV cache works for Mixtral and both
// Falcon layouts.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "model/loader.h"
#include "model/moe.h"
#include "model/synthetic.h"
#include "test_util.h"

namespace llmcp::model {
namespace {

at::Tensor randn(const std::vector<int64_t>& shape, uint64_t seed, double scale = 0.3) {
  return at::randn(shape, at::make_generator<at::CPUGeneratorImpl>(seed)) * scale;
}

// Counts the rows an expert's layer is called with; adds nothing.
struct RowCounter : LinearDelta {
  mutable int64_t rows = 0;
  at::Tensor delta(const Linear&, const at::Tensor& x, const at::Tensor& base_out) const override {
    rows += x.numel() / x.size(-1);
    return at::zeros_like(base_out);
  }
};

struct Block {
  MoeConfig cfg;
  Linear router;
  std::vector<Mlp> experts;
  std::vector<std::shared_ptr<RowCounter>> counters;
};

Block make_block(int64_t E, int64_t k, int64_t C, int64_t I) {
  Block b;
  b.cfg.num_experts = E;
  b.cfg.top_k = k;
  b.router = Linear{"router", randn({E, C}, 1), {}, {}, {}, {}};
  for (int64_t e = 0; e < E; ++e) {
    auto s = static_cast<uint64_t>(10 + 3 * e);
    Mlp m{Linear{"g", randn({I, C}, s), {}, {}, {}, {}}, Linear{"u", randn({I, C}, s + 1), {}, {}, {}, {}},
          Linear{"d", randn({C, I}, s + 2), {}, {}, {}, {}}};
    b.counters.push_back(std::make_shared<RowCounter>());
    m.up.deltas.push_back(b.counters.back());
    b.experts.push_back(m);
  }
  return b;
}

TEST(MoeTest, GroupedExpertsEqualEveryExpertOnEveryToken) {
  const int64_t E = 5, k = 2, C = 8, I = 12;
  auto b = make_block(E, k, C, I);
  auto h = randn({3, 7, C}, 99, 1.0);
  auto r = moe_forward(b.cfg, MlpKind::kGatedSilu, b.router, b.experts, h, false);

  auto x = h.reshape({-1, C});
  const int64_t N = x.size(0);
  auto probs = at::softmax(x.matmul(b.router.weight.t()), -1);
  auto want = at::zeros_like(x);
  for (int64_t n = 0; n < N; ++n) {
    auto p = probs[n];
    auto order = std::get<1>(p.sort(c10::optional<bool>(true), 0, /*descending=*/true));
    double norm = 0;
    for (int64_t j = 0; j < k; ++j) norm += p[order[j]].item<double>();
    for (int64_t j = 0; j < k; ++j) {
      const int64_t e = order[j].item<int64_t>();
      const auto& m = b.experts[static_cast<size_t>(e)];
      auto xn = x[n];
      auto y = at::matmul(m.down.weight, at::silu(at::matmul(m.gate.weight, xn)) * at::matmul(m.up.weight, xn));
      want[n] += y * (p[e].item<double>() / norm);
      EXPECT_EQ(r.selected[n][j].item<int64_t>(), e) << "token " << n << " pick " << j;
    }
  }
  EXPECT_LT((r.out.reshape({-1, C}) - want).abs().max().item<double>(), 1e-5);
  int64_t rows = 0;
  for (const auto& c : b.counters) rows += c->rows;
  EXPECT_EQ(rows, N * k);  // every expert ran on its own tokens only
}

// router_jitter_noise multiplies the input by U(1-j, 1+j) in training only, as HF does.
TEST(MoeTest, JitterNoiseOnlyInTraining) {
  auto b = make_block(4, 2, 8, 12);
  b.cfg.jitter_noise = 0.3;
  auto h = randn({2, 5, 8}, 7, 1.0);
  auto plain = moe_forward(b.cfg, MlpKind::kGatedSilu, b.router, b.experts, h, false);
  b.cfg.jitter_noise = 0;
  auto no_jitter = moe_forward(b.cfg, MlpKind::kGatedSilu, b.router, b.experts, h, true);
  EXPECT_TRUE(plain.out.equal(no_jitter.out));  // inference ignores the noise
  b.cfg.jitter_noise = 0.3;
  at::manual_seed(3);
  auto noisy = moe_forward(b.cfg, MlpKind::kGatedSilu, b.router, b.experts, h, true);
  EXPECT_GT((noisy.logits - plain.logits).abs().max().item<double>(), 1e-3);
  // The router saw the scaled input: its logits are x * u times W^T with every u in [0.7, 1.3].
  at::manual_seed(3);
  auto u = at::empty_like(h.reshape({-1, 8})).uniform_(0.7, 1.3);
  EXPECT_LT((noisy.logits - at::matmul(h.reshape({-1, 8}) * u, b.router.weight.t())).abs().max().item<double>(), 1e-5);
}

TEST(MoeTest, LoadBalancingLossIsItsFormula) {
  const int64_t E = 4, k = 2, B = 2, T = 5, L = 3;
  std::vector<at::Tensor> logits;
  for (int64_t l = 0; l < L; ++l) logits.push_back(randn({B * T, E}, 40 + static_cast<uint64_t>(l), 1.0));
  auto mask = at::ones({B, T}, at::kLong);
  mask[1][0] = 0;
  mask[1][1] = 0;
  // sum over experts e and pick ranks j of (share of real tokens whose j-th pick is e) times
  // (mean probability of e over real tokens), times E; every layer's tokens counted.
  double real = 0;
  std::vector<std::vector<double>> picks(k, std::vector<double>(E, 0.0));
  std::vector<double> prob(E, 0.0);
  for (int64_t l = 0; l < L; ++l) {
    auto p = at::softmax(logits[static_cast<size_t>(l)], -1);
    for (int64_t n = 0; n < B * T; ++n) {
      if (mask[n / T][n % T].item<int64_t>() == 0) continue;
      real += 1;
      auto order = std::get<1>(p[n].sort(c10::optional<bool>(true), 0, true));
      for (int64_t j = 0; j < k; ++j) picks[j][order[j].item<int64_t>()] += 1;
      for (int64_t e = 0; e < E; ++e) prob[e] += p[n][e].item<double>();
    }
  }
  double want = 0;
  for (int64_t j = 0; j < k; ++j)
    for (int64_t e = 0; e < E; ++e) want += (picks[j][e] / real) * (prob[e] / real);
  want *= E;
  EXPECT_NEAR(load_balancing_loss(logits, E, k, mask).item<double>(), want, 1e-6);
  EXPECT_GT(want, 0.5);  // a real value, not a degenerate zero
}

class FamilyDecoderTest : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

// A tiny model of the family (the overrides pick the Falcon layout) in a fresh folder.
std::unique_ptr<Decoder> tiny(const testing::TempDir& dir, const char* family, const char* overrides) {
  SyntheticSpec spec;
  spec.family = family;
  spec.seed = 5;
  spec.overrides = nlohmann::json::parse(overrides);
  spec.overrides["num_hidden_layers"] = 2;
  create_synthetic_model(spec, dir / "m");
  return load_decoder(dir / "m", {"float32", "cpu", {}, {}});
}

TEST_P(FamilyDecoderTest, IncrementalDecodingMatchesFullForward) {
  testing::TempDir dir;
  auto d = tiny(dir, GetParam().first, GetParam().second);
  auto ids = at::randint(4, 500, {2, 10}, at::make_generator<at::CPUGeneratorImpl>(1), at::kLong);
  auto full = d->forward(ids);
  KvCache cache(d->config().num_layers);
  auto first = d->forward(ids.narrow(1, 0, 4), {}, &cache);
  EXPECT_LT((first - full.narrow(1, 0, 4)).abs().max().item<double>(), 1e-5);
  for (int64_t t = 4; t < 10; ++t) {
    auto step = d->forward(ids.narrow(1, t, 1), {}, &cache);
    EXPECT_LT((step - full.narrow(1, t, 1)).abs().max().item<double>(), 1e-5) << "position " << t;
  }
}

TEST_P(FamilyDecoderTest, CheckpointingKeepsRoutingAndGradients) {
  testing::TempDir dir;
  auto d = tiny(dir, GetParam().first, GetParam().second);
  for (auto& s : d->tensors()) s.tensor->requires_grad_(true);
  auto ids = at::randint(4, 500, {2, 9}, at::make_generator<at::CPUGeneratorImpl>(2), at::kLong);
  auto mask = at::ones({2, 9}, at::kLong);
  mask[1][8] = 0;
  auto run = [&](bool checkpointing) {
    d->set_gradient_checkpointing(checkpointing);
    for (auto& s : d->tensors()) s.tensor->mutable_grad() = at::Tensor();
    RouterTrace trace;
    auto h = d->hidden_states(ids, mask, {}, &trace);
    auto loss = d->logits(h).logsumexp(-1).mean();
    if (d->config().moe) loss = loss + load_balancing_loss(trace.logits, d->config().moe->num_experts,
                                                           d->config().moe->top_k, mask);
    loss.backward();
    std::map<std::string, at::Tensor> grads;
    for (auto& s : d->tensors()) grads[s.name] = s.tensor->grad().clone();
    return std::make_pair(grads, trace);
  };
  auto [plain, plain_trace] = run(false);
  auto [ckpt, ckpt_trace] = run(true);
  ASSERT_EQ(plain_trace.selected.size(), ckpt_trace.selected.size());
  for (size_t l = 0; l < plain_trace.selected.size(); ++l)
    EXPECT_TRUE(plain_trace.selected[l].equal(ckpt_trace.selected[l])) << "layer " << l;
  for (const auto& [name, g] : plain) {
    ASSERT_TRUE(g.defined()) << name;
    EXPECT_LT((g - ckpt.at(name)).abs().max().item<double>(), 1e-6) << name;
  }
  if (d->config().moe) {  // the router learns from the load-balancing loss through the checkpoint
    EXPECT_EQ(plain_trace.selected.size(), 2u);
    EXPECT_GT(plain.at("model.layers.0.block_sparse_moe.gate.weight").abs().sum().item<double>(), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Families, FamilyDecoderTest,
    ::testing::Values(std::make_pair("mixtral", "{}"), std::make_pair("falcon", "{}"),
                      std::make_pair("falcon", R"({"new_decoder_architecture": true, "num_kv_heads": 2})"),
                      std::make_pair("falcon", R"({"multi_query": false, "parallel_attn": false, "bias": true})")),
    [](const auto& info) { return std::string(info.param.first) + std::to_string(info.index); });

}  // namespace
}  // namespace llmcp::model

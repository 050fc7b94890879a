// dist::ShardedWeight with two ranks as two threads of one process (a real Gloo group over
// loopback): each keeps about half the bytes, and a gather gives back, bit for bit, the weight
// that was split (dense fp32 and bf16 of sizes that do not divide evenly, NF4 with nested absmax,
// int8), through buffers the weights share but never reuse under a weight still held; the
// sharded product and its input gradient equal the unsharded layer's; ranks that ask for
// different layers fail naming the layer instead of mixing them.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <functional>
#include <random>
#include <thread>

#include "core/error.h"
#include "dist/process_group.h"
#include "dist/sharded_weight.h"
#include "model/layers.h"

namespace llmcp::dist {
namespace {

// Runs `body(group)` on ranks 0 and 1, each in its own thread; rethrows the first failure.
void two_ranks(const std::function<void(Group&)>& body) {
  const int64_t port = 21000 + std::random_device{}() % 20000;
  std::exception_ptr failed[2];
  std::vector<std::thread> ts;
  for (int64_t r = 0; r < 2; ++r)
    ts.emplace_back([&, r] {
      try {
        Env env{r, 2, r, "127.0.0.1", port};
        auto g = Group::join(env, std::chrono::seconds(30));
        body(*g);
      } catch (...) {
        failed[r] = std::current_exception();
      }
    });
  for (auto& t : ts) t.join();
  for (auto& f : failed)
    if (f) std::rethrow_exception(f);
}

at::Tensor weight(int64_t out, int64_t in, at::ScalarType dt) {
  return at::randn({out, in}, at::TensorOptions().dtype(at::kFloat)).to(dt);
}

TEST(ShardedWeight, GathersBackEveryFormatBitForBit) {
  at::manual_seed(0);
  const auto dense = weight(37, 19, at::kFloat);  // 2,812 bytes: not a multiple of 2 x 8
  const auto bf = weight(8, 24, at::kBFloat16);
  const auto nf4 = quant::QuantizedWeight::quantize(weight(256, 256, at::kFloat), {quant::WeightFormat::kNf4, 64, true});
  const auto int8 = quant::QuantizedWeight::quantize(weight(64, 128, at::kFloat), {quant::WeightFormat::kInt8});
  two_ranks([&](Group& g) {
    GatherContext counters;
    for (const auto& w : {dense, bf}) {
      ShardedWeight s(g, "w", {w, {}}, &counters);
      EXPECT_LE(s.local_bytes(), w.numel() * static_cast<int64_t>(w.element_size()) / 2 + 16);
      const auto back = s.gather();
      ASSERT_TRUE(back.weight.defined());
      EXPECT_EQ(back.weight.scalar_type(), w.scalar_type());
      EXPECT_TRUE(at::equal(back.weight, w));
    }
    for (const auto& q : {nf4, int8}) {
      ShardedWeight s(g, "q", {{}, q}, &counters);
      EXPECT_TRUE(s.info().quantized);
      EXPECT_LT(s.local_bytes(), q->nbytes() * 6 / 10);
      const auto back = s.gather();
      ASSERT_TRUE(back.qweight);
      EXPECT_TRUE(at::equal(back.qweight->data, q->data));
      EXPECT_TRUE(at::equal(back.qweight->absmax, q->absmax));
      EXPECT_TRUE(at::equal(back.qweight->dequantize(at::kFloat), q->dequantize(at::kFloat)));
    }
    EXPECT_EQ(counters.calls.load(), 4);
    EXPECT_GT(counters.bytes.load(), 0);
    // The shared buffers are reused only once no one holds the last whole weight.
    ShardedWeight a(g, "a", {dense, {}}, &counters), b(g, "b", {bf, {}}, &counters);
    const auto held = a.gather();
    const auto next = b.gather();
    EXPECT_TRUE(at::equal(held.weight, dense));
    EXPECT_TRUE(at::equal(next.weight, bf));
  });
}

TEST(ShardedWeight, ProductAndInputGradientEqualTheUnshardedLayers) {
  at::manual_seed(1);
  const auto w = weight(12, 20, at::kFloat);
  const auto q = quant::QuantizedWeight::quantize(weight(12, 64, at::kFloat), {quant::WeightFormat::kNf4, 64, false});
  const auto bias = at::randn({12});
  two_ranks([&](Group& g) {
    for (bool quantized : {false, true}) {
      model::Linear plain{"l", quantized ? at::Tensor() : w, bias, {}, quantized ? q : nullptr, {}};
      auto shard = std::make_shared<ShardedWeight>(g, "l", model::WholeBase{plain.weight, plain.qweight}, nullptr);
      model::Linear sharded{"l", {}, bias, {}, {}, shard};
      EXPECT_EQ(sharded.out_features(), 12);
      EXPECT_EQ(sharded.in_features(), plain.in_features());
      auto x1 = at::randn({3, plain.in_features()}).requires_grad_(true);
      auto x2 = x1.detach().clone().requires_grad_(true);
      auto y1 = plain.forward(x1), y2 = sharded.forward(x2);
      EXPECT_TRUE(at::allclose(y1, y2, 0, 0)) << (y1 - y2).abs().max();
      y1.pow(2).sum().backward();
      y2.pow(2).sum().backward();
      EXPECT_TRUE(at::allclose(x1.grad(), x2.grad(), 1e-6, 1e-6)) << (x1.grad() - x2.grad()).abs().max();
      at::NoGradGuard no_grad;  // inference: the plain layer's own path on the gathered weight
      EXPECT_TRUE(at::equal(plain.forward(x1), sharded.forward(x1)));
    }
  });
}

TEST(ShardedWeight, RanksAskingForDifferentLayersFailNamingIt) {
  const auto w = weight(4, 4, at::kFloat);
  try {
    two_ranks([&](Group& g) {
      ShardedWeight a(g, "model.layers.0.self_attn.q_proj", {w, {}}, nullptr);
      ShardedWeight b(g, "model.layers.0.self_attn.o_proj", {w, {}}, nullptr);
      (g.rank() == 0 ? a : b).gather();
    });
    FAIL() << "no error";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("gathered the base weight of 'model.layers.0.self_attn."), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("diverged"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace llmcp::dist

// The quantized linear product: every SIMD body against the ATen formulation (dequantize by
// index lookup, then at::linear), over tiled and fused paths, odd widths and row offsets, fp32
// and bf16, plus the input gradient (and none for the weight).
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include "core/error.h"
#include "quant/qkernels.h"
#include "quant/qlinear.h"

namespace llmcp::quant {
namespace {

std::vector<std::string> bodies() {
  std::vector<std::string> out = {"scalar"};
  for (const char* isa : {"avx2", "avx512"}) {
    try {
      set_qkernel_isa(isa);
      out.push_back(isa);
    } catch (const core::Error&) {
    }
  }
  return out;
}

struct Case {
  WeightFormat format;
  bool nested;
  int64_t out, in, blocksize;
};

std::shared_ptr<QuantizedWeight> make(const Case& c, uint64_t seed) {
  at::manual_seed(seed);
  auto w = at::randn({c.out, c.in}) * 0.05;
  return QuantizedWeight::quantize(w, {c.format, c.blocksize, c.nested, at::kFloat});
}

const Case kCases[] = {
    {WeightFormat::kNf4, false, 48, 64, 64},    // one tile, aligned
    {WeightFormat::kNf4, true, 37, 33, 32},     // odd width: rows start mid-byte
    {WeightFormat::kFp4, true, 200, 4096, 64},  // several tiles of rows
    {WeightFormat::kFp4, false, 5, 1000, 128},
    {WeightFormat::kInt8, false, 24, 40, 64},
};

TEST(QuantizedWeightTest, KernelsDequantizeExactlyAsAten) {
  for (const auto& isa : bodies()) {
    set_qkernel_isa(isa);
    for (const auto& c : kCases) {
      auto w = make(c, 1);
      for (auto dt : {at::kFloat, at::kBFloat16}) {
        for (auto [r0, r1] : {std::pair<int64_t, int64_t>{0, c.out}, {3, c.out - 1}}) {
          auto a = w->dequantize_rows(r0, r1, dt), b = w->dequantize_rows_aten(r0, r1, dt);
          ASSERT_TRUE(at::equal(a, b)) << isa << " " << format_name(c.format) << " in=" << c.in << " rows " << r0;
        }
      }
    }
  }
}

TEST(QuantizedLinearTest, MatchesTheAtenReference) {
  for (const auto& isa : bodies()) {
    set_qkernel_isa(isa);
    for (const auto& c : kCases) {
      auto w = make(c, 2);
      for (int64_t M : {1, 3, 70}) {
        auto x = at::randn({M, c.in});
        auto bias = at::randn({c.out});
        auto y = quantized_linear(w, x, bias), ref = quantized_linear_reference(*w, x, bias);
        ASSERT_TRUE(at::allclose(y, ref, 1e-5, 1e-5))
            << isa << " " << format_name(c.format) << " M=" << M << " max diff " << (y - ref).abs().max().item<float>();
        // 3-D input, bf16 compute: inputs cast to bf16, products back in fp32.
        auto wb = std::make_shared<QuantizedWeight>(*w);
        wb->compute_dtype = at::kBFloat16;
        auto x3 = x.view({1, M, c.in});
        auto yb = quantized_linear(wb, x3, {}), rb = quantized_linear_reference(*wb, x3, {});
        ASSERT_EQ(yb.scalar_type(), at::kFloat);
        ASSERT_TRUE(at::allclose(yb, rb, 2e-2, 2e-2)) << isa << " bf16 max diff " << (yb - rb).abs().max().item<float>();
      }
    }
  }
}

// Inference on an int8 weight is LLM.int8(): with rows whose absmax is 127 the activations quantize
// to themselves, so the result must be the exact integer product times SCB / 127 (the 127s cancel
// up to bitsandbytes' constant 6.200124e-05 = 1/127^2). Sums past 2^24 (3,000 x 127 x 127) check
// that the accumulation is exact; with gradients on, the product is the dequantized one.
TEST(QuantizedLinearTest, Int8InferenceIsLlmInt8WithExactIntegerSums) {
  const int64_t out = 5, in = 3000, M = 3;
  auto q = at::full({out, in}, 127, at::kChar);
  q[1].fill_(-127);
  q[2] = at::randint(-127, 128, {in}).to(at::kChar);
  q[3] = at::randint(100, 128, {in}).to(at::kChar);  // large sums with random low bits
  auto x = at::full({M, in}, 127.0f);
  x[1] = at::randint(-127, 128, {in}).to(at::kFloat);
  x[1][0] = 127;
  x[2] = at::randint(100, 128, {in}).to(at::kFloat);
  x[2][0] = 127;
  auto w = std::make_shared<QuantizedWeight>();
  w->format = WeightFormat::kInt8;
  w->out = out;
  w->in = in;
  w->data = q;
  w->absmax = at::rand({out}) + 0.5;
  w->int8_threshold = 0;
  auto exact = at::mm(x.to(at::kLong), q.to(at::kLong).t());  // integers, exactly
  auto want = exact.to(at::kInt) * (at::full({M, 1}, 127.0f) * w->absmax.unsqueeze(0)) * 6.200124e-05;
  at::Tensor y;
  {
    at::NoGradGuard no_grad;
    y = quantized_linear(w, x, {});
  }
  EXPECT_TRUE(at::equal(y, want)) << "max diff " << (y - want).abs().max().item<float>();
  EXPECT_GT(exact.abs().max().item<int64_t>(), int64_t{1} << 24);
  auto trained = quantized_linear(w, x, {});  // gradients on: the dequantized product
  EXPECT_TRUE(at::allclose(trained, quantized_linear_reference(*w, x, {}), 1e-5, 1e-5));
}

TEST(QuantizedLinearTest, GradientFlowsToTheInputOnly) {
  for (const auto& c : kCases) {
    auto w = make(c, 3);
    auto x = at::randn({2, 9, c.in}).requires_grad_(true);
    auto g = at::randn({2, 9, c.out});
    (quantized_linear(w, x, {}) * g).sum().backward();
    auto x2 = x.detach().clone().requires_grad_(true);
    auto dense = w->dequantize_rows_aten(0, c.out, at::kFloat);  // a constant, like the base weight
    (at::linear(x2, dense) * g).sum().backward();
    ASSERT_TRUE(at::allclose(x.grad(), x2.grad(), 1e-5, 1e-5))
        << format_name(c.format) << " max diff " << (x.grad() - x2.grad()).abs().max().item<float>();
    EXPECT_FALSE(w->data.requires_grad());
  }
}

TEST(QuantizedLinearTest, WrongInputWidthIsAnError) {
  auto w = make(kCases[0], 4);
  EXPECT_THROW(quantized_linear(w, at::randn({2, 63}), {}), core::Error);
}

TEST(QuantizedWeightTest, BytesAreHalfAParameterPlusConstants) {
  auto w = make({WeightFormat::kNf4, true, 256, 512, 64}, 5);
  const int64_t n = 256 * 512;
  EXPECT_EQ(w->nbytes(), n / 2 + n / 64 /* uint8 absmax */ + 4 * (n / 64 / 256 + 16 + 256));
  auto plain = make({WeightFormat::kNf4, false, 256, 512, 64}, 5);
  EXPECT_EQ(plain->nbytes(), n / 2 + 4 * (n / 64 + 16));
}

}  // namespace
}  // namespace llmcp::quant

// The 4-bit dequantization kernel on the GPU (src/quant/cuda/dequant4.cu) against the ATen
// formulation and the CPU kernels, and the quantized product on the GPU against the CPU's.
#include <gtest/gtest.h>

#include "quant/qlinear.h"

namespace llmcp::quant {
namespace {

struct Case {
  WeightFormat format;
  bool nested;
  int64_t out, in, blocksize;
};

const Case kCases[] = {
    {WeightFormat::kNf4, false, 48, 64, 64},
    {WeightFormat::kNf4, true, 37, 33, 32},  // odd width: rows start mid-byte
    {WeightFormat::kFp4, true, 200, 4096, 64},
    {WeightFormat::kFp4, false, 5, 1000, 128},
};

std::shared_ptr<QuantizedWeight> make(const Case& c, uint64_t seed) {
  at::manual_seed(seed);
  auto w = at::randn({c.out, c.in}) * 0.05;
  return QuantizedWeight::quantize(w, {c.format, c.blocksize, c.nested, at::kFloat});
}

TEST(QuantizedWeightCudaTest, KernelMatchesAtenAndCpu) {
  for (const auto& c : kCases) {
    auto cpu = make(c, 6);
    auto gpu = cpu->to(at::Device(at::kCUDA, 0));
    for (auto dt : {at::kFloat, at::kBFloat16, at::kHalf}) {
      auto a = gpu->dequantize_rows(1, c.out, dt), b = gpu->dequantize_rows_aten(1, c.out, dt);
      ASSERT_TRUE(at::equal(a, b)) << format_name(c.format) << " " << c10::toString(dt);
      if (dt != at::kHalf) {
        ASSERT_TRUE(at::equal(a.cpu(), cpu->dequantize_rows(1, c.out, dt)));
      }
    }
    auto x = at::randn({7, c.in});
    auto y = quantized_linear(gpu, x.cuda(), {}).cpu(), ref = quantized_linear(cpu, x, {});
    ASSERT_TRUE(at::allclose(y, ref, 1e-4, 1e-4)) << (y - ref).abs().max().item<float>();
  }
}

}  // namespace
}  // namespace llmcp::quant

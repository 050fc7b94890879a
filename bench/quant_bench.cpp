// The 4-bit product against the dense one of the same shape: y = x W^T with W [out, in] from the
// `small` preset's layers, for a decoding row (M = 1), a short batch and a training micro-batch
// (M = 1024), in fp32 and bf16. Prints one JSON line per case (GFLOP/s of each and their ratio).
//   quant_bench [--repeats-ms 300]
#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/runtime.h"
#include "quant/qkernels.h"
#include "quant/qlinear.h"

namespace {

template <typename F>
double seconds_per_call(F&& f, double budget_ms) {
  f();  // warm-up
  int64_t n = 0;
  const auto t0 = std::chrono::steady_clock::now();
  double el = 0;
  while (el * 1e3 < budget_ms || n < 3) {
    f();
    ++n;
    el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return el / static_cast<double>(n);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace llmcp;
  double budget = 300;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--repeats-ms") budget = std::stod(argv[i + 1]);
  at::NoGradGuard no_grad;
  for (auto dt : {at::kFloat, at::kBFloat16}) {
    core::init_torch_threads(dt);
    for (auto [out, in] : {std::pair<int64_t, int64_t>{2048, 768}, {768, 2048}}) {
      at::manual_seed(0);
      auto w = at::randn({out, in}) * 0.02;
      auto q = quant::QuantizedWeight::quantize(w, {quant::WeightFormat::kNf4, 64, true, dt});
      auto wd = w.to(dt);
      for (int64_t M : {1, 16, 1024}) {
        auto x = at::randn({M, in}).to(dt);
        const double tq = seconds_per_call([&] { return quant::quantized_linear(q, x, {}); }, budget);
        const double td = seconds_per_call([&] { return at::linear(x, wd); }, budget);
        const double flop = 2.0 * static_cast<double>(M * out * in);
        nlohmann::json j = {{"dtype", dt == at::kFloat ? "float32" : "bfloat16"}, {"out", out}, {"in", in}, {"M", M},
                            {"nf4_gflops", flop / tq / 1e9}, {"dense_gflops", flop / td / 1e9},
                            {"ratio", td / tq}, {"kernel", quant::qkernel_isa()}};
        std::cout << j.dump() << std::endl;
      }
    }
  }
  return 0;
}

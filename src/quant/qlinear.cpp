// The quantized linear product and its autograd node. The node holds the weight (shared), not
// a dense copy, so a backward pass costs one more dequantization instead of the memory of W.
#include "quant/qlinear.h"

#include <ATen/core/grad_mode.h>
#include <ATen/Parallel.h>

#include <torch/csrc/autograd/custom_function.h>

#include "core/error.h"
#include "quant/blockwise.h"
#include "quant/qkernels.h"

namespace llmcp::quant {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Rows per dequantized tile: about 1 MiB of fp32 on the CPU (stays in cache). On a GPU the whole
// weight at once, as bitsandbytes does: one dequantization kernel and one cuBLAS product per layer
// rather than hundreds of small ones.
int64_t tile_rows(const QuantizedWeight& w) {
  if (w.device().is_cuda()) return w.out;
  return std::max<int64_t>(1, (int64_t{1} << 18) / std::max<int64_t>(w.in, 1));
}

// x2 [M, in] in the compute dtype -> [M, out].
at::Tensor forward_2d(const QuantizedWeight& w, const at::Tensor& x2) {
  const int64_t M = x2.size(0);
  const auto dt = x2.scalar_type();
  if (w.is_4bit() && x2.device().is_cpu() && M <= 4) {  // decoding: read the packed bytes once
    auto xc = x2.to(at::kFloat).contiguous();
    auto y = at::empty({M, w.out}, xc.options());
    const int64_t n = w.out * w.in;
    const auto scales = w.block_scales(0, num_blocks(n, w.blocksize));
    Packed4 p{w.data.data_ptr<uint8_t>(), scales.data(), 0, w.blocksize, w.code.data_ptr<float>()};
    at::parallel_for(0, w.out, 64, [&](int64_t a, int64_t b) {
      gemv4_f32(p, w.in, a, b - a, xc.data_ptr<float>(), M, y.data_ptr<float>() + a, w.out);
    });
    return y.to(dt);  // accumulated in fp32 whatever the compute dtype, as bitsandbytes' gemv does
  }
  const int64_t T = tile_rows(w);
  if (T >= w.out) return at::mm(x2, w.dequantize(dt).t());
  auto y = at::empty({M, w.out}, x2.options());
  for (int64_t r0 = 0; r0 < w.out; r0 += T) {
    const int64_t r1 = std::min(w.out, r0 + T);
    y.narrow(1, r0, r1 - r0).copy_(at::mm(x2, w.dequantize_rows(r0, r1, dt).t()));
  }
  return y;
}

// bitsandbytes' LLM.int8() inference product (MatMul8bitLt, what transformers runs for a
// load_in_8bit model in eval mode), step for step so results agree to rounding: the input in
// fp16, elements >= the threshold zeroed, each row quantized to int8 by its absmax
// (round(x * (1/absmax * 127))), outlier columns zeroed when there are several rows; the int8
// product accumulated exactly, scaled by row absmax x SCB / 127^2 in fp32; then the outlier
// columns added back in full precision against the dequantized weight columns. The integer
// product runs as fp32 GEMMs over 1,024-wide slices of the inputs (each sum of at most 1,024
// products of |q| <= 127 is an integer below 2^24, so exact), added in int32, one tile of weight
// rows at a time, so no dense copy of the weight is ever made.
at::Tensor int8_inference_2d(const QuantizedWeight& w, const at::Tensor& x2) {
  const auto x = x2.to(at::kFloat);
  auto a = x.to(at::kHalf);
  at::Tensor outlier_cols;
  if (w.int8_threshold > 0) {
    const auto outliers = a.abs().ge(w.int8_threshold);
    if (outliers.any().item<bool>()) {
      outlier_cols = outliers.any(0).nonzero().view(-1);
      a = a.masked_fill(outliers, 0);
    }
  }
  const auto row_stats = std::get<0>(a.abs().max(1)).to(at::kFloat);
  // An all-zero row quantizes to zeros (bitsandbytes would divide by zero there).
  const auto scale = at::where(row_stats.gt(0), row_stats.reciprocal() * 127.0, at::zeros_like(row_stats));
  auto ca = at::round(a * scale.unsqueeze(-1)).to(at::kFloat);  // integers in [-127, 127]
  if (outlier_cols.defined() && x.size(0) > 1) ca.index_fill_(1, outlier_cols, 0);
  const auto scb = w.absmax.to(at::kFloat);
  const int64_t M = x.size(0), K = w.in, kSlice = 1024;
  auto y = at::empty({M, w.out}, x.options());
  const int64_t T = tile_rows(w);
  for (int64_t r0 = 0; r0 < w.out; r0 += T) {
    const int64_t rows = std::min(w.out, r0 + T) - r0;
    const auto cb = w.data.narrow(0, r0, rows).to(at::kFloat);
    auto acc = at::zeros({M, rows}, x.options().dtype(at::kInt));
    for (int64_t k0 = 0; k0 < K; k0 += kSlice) {
      const int64_t len = std::min(K, k0 + kSlice) - k0;
      acc.add_(at::mm(ca.narrow(1, k0, len), cb.narrow(1, k0, len).t()).to(at::kInt));
    }
    y.narrow(1, r0, rows).copy_(acc * (row_stats.unsqueeze(-1) * scb.narrow(0, r0, rows).unsqueeze(0)) * 6.200124e-05);
  }
  if (outlier_cols.defined()) {
    const auto sub_b = (w.data.index_select(1, outlier_cols) * scb.view({-1, 1}) * 7.874015718698502e-3).to(at::kFloat);
    y.addmm_(x.index_select(1, outlier_cols), sub_b.t());
  }
  return y;
}

// g2 [M, out] -> [M, in] = g2 W.
at::Tensor backward_2d(const QuantizedWeight& w, const at::Tensor& g2) {
  const auto dt = g2.scalar_type();
  const int64_t T = tile_rows(w);
  if (T >= w.out) return at::mm(g2, w.dequantize(dt));
  auto gx = at::zeros({g2.size(0), w.in}, g2.options());
  for (int64_t r0 = 0; r0 < w.out; r0 += T) {
    const int64_t r1 = std::min(w.out, r0 + T);
    gx.addmm_(g2.narrow(1, r0, r1 - r0), w.dequantize_rows(r0, r1, dt));
  }
  return gx;
}

struct Holder : torch::CustomClassHolder {
  explicit Holder(std::shared_ptr<const QuantizedWeight> w) : weight(std::move(w)) {}
  std::shared_ptr<const QuantizedWeight> weight;
};

class QLinearFn : public torch::autograd::Function<QLinearFn> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x2, const c10::intrusive_ptr<Holder>& holder) {
    const auto& w = *holder->weight;
    ctx->saved_data["w"] = at::IValue::make_capsule(holder);
    return forward_2d(w, x2);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto holder = c10::static_intrusive_pointer_cast<Holder>(ctx->saved_data["w"].toCapsule());
    auto g = grads[0].contiguous();
    return {backward_2d(*holder->weight, g), at::Tensor()};
  }
};

void check_input(const QuantizedWeight& w, const at::Tensor& x) {
  LLMCP_CHECK(x.dim() >= 1 && x.size(-1) == w.in, kShapeMismatch, "input has ", x.size(-1),
              " features but the quantized weight expects ", w.in);
}

}  // namespace

at::Tensor quantized_linear(const std::shared_ptr<const QuantizedWeight>& w, const at::Tensor& x,
                            const at::Tensor& bias) {
  check_input(*w, x);
  auto shape = x.sizes().vec();
  shape.back() = w->out;
  auto x2 = x.reshape({-1, w->in}).to(w->compute_dtype);
  at::Tensor y2;
  if (!w->is_4bit() && !at::GradMode::is_enabled() && x2.device().is_cpu()) {
    // Inference on an 8-bit base: LLM.int8(), as bitsandbytes computes it outside training;
    // with gradients on, the dequantized product (bitsandbytes' MatMul8bitFp on CPUs).
    y2 = int8_inference_2d(*w, x2);
  } else if (x2.requires_grad()) {
    y2 = QLinearFn::apply(x2, c10::make_intrusive<Holder>(w));
  } else {
    at::NoGradGuard no_grad;
    y2 = forward_2d(*w, x2);
  }
  auto y = y2.view(shape).to(x.scalar_type());
  if (bias.defined()) y = y + bias.to(y.scalar_type());
  return y;
}

at::Tensor quantized_product(const QuantizedWeight& w, const at::Tensor& x2) {
  check_input(w, x2);
  return forward_2d(w, x2);
}

at::Tensor quantized_input_grad(const QuantizedWeight& w, const at::Tensor& g2) {
  return backward_2d(w, g2.contiguous());
}

at::Tensor quantized_linear_reference(const QuantizedWeight& w, const at::Tensor& x, const at::Tensor& bias) {
  check_input(w, x);
  auto y = at::linear(x.to(w.compute_dtype), w.dequantize_rows_aten(0, w.out, w.compute_dtype)).to(x.scalar_type());
  if (bias.defined()) y = y + bias.to(y.scalar_type());
  return y;
}

}  // namespace llmcp::quant

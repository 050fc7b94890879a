// Norms, masks and attention on ATen ops: the fused kernel (scaled_dot_product_attention) and,
// beside it, the eager formulation it is checked against.
#include "model/layers.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ops/scaled_dot_product_attention.h>
#include <cmath>
#include <limits>

#include "model/sharded_linear.h"
#include "quant/qlinear.h"

namespace llmcp::model {
namespace {
// The most negative finite value of the dtype, as HF's eager masks use (finite, so a fully
// masked row gives a uniform softmax instead of NaN).
at::Scalar lowest_value(at::ScalarType t) {
  switch (t) {
    case at::kBFloat16: return std::numeric_limits<c10::BFloat16>::lowest();
    case at::kHalf: return std::numeric_limits<c10::Half>::lowest();
    case at::kDouble: return std::numeric_limits<double>::lowest();
    default: return std::numeric_limits<float>::lowest();
  }
}
}  // namespace

at::Tensor Linear::forward(const at::Tensor& x) const {
  auto y = base_forward(x);
  if (deltas.empty()) return y;
  auto out = y;
  for (const auto& d : deltas)
    if (const auto t = d->delta(*this, x, y); t.defined()) out = out + t.to(y.scalar_type());
  return out;
}

at::Tensor Linear::dense_weight(at::ScalarType dtype) const {
  if (shard) {
    const auto w = shard->gather();
    return w.qweight ? w.qweight->dequantize(dtype) : w.weight.to(dtype);
  }
  return qweight ? qweight->dequantize(dtype) : weight.to(dtype);
}

at::Tensor Linear::weight_product(const at::Tensor& x) const {
  if (shard) return sharded_weight_product(shard, x);
  if (qweight) return quant::quantized_linear(qweight, x.to(qweight->compute_dtype), {});
  return at::linear(x.to(weight.scalar_type()), weight);
}

at::Tensor Linear::base_forward(const at::Tensor& x) const {
  if (shard) return sharded_base_forward(shard, x, bias);
  if (qweight) return quant::quantized_linear(qweight, x, bias);
  // One fp32 row on CPU (decoding a single sequence): BLAS's gemv is several times faster than
  // the gemm that at::linear dispatches to for M = 1 (bench/run.sh).
  if (x.numel() == weight.size(1) && x.scalar_type() == at::kFloat && x.device().is_cpu()) {
    auto y = at::mv(weight, x.reshape({-1}));
    if (bias.defined()) y = y + bias;
    auto shape = x.sizes().vec();
    shape.back() = weight.size(0);
    return y.view(shape);
  }
  return at::linear(x, weight, bias);
}

at::Tensor Mlp::forward(MlpKind kind, const at::Tensor& x) const {
  if (kind == MlpKind::kGatedSilu) return down.forward(at::silu(gate.forward(x)) * up.forward(x));
  return down.forward(at::gelu(up.forward(x)));
}

at::Tensor Norm::forward(const at::Tensor& x) const {
  if (kind == NormKind::kLayerNorm) return at::layer_norm(x, {x.size(-1)}, weight, bias, eps);
  // fp32 (fp64 stays fp64, for finite-difference checks)
  auto h = x.scalar_type() == at::kDouble ? x : x.to(at::kFloat);
  auto var = h.pow(2).mean(-1, /*keepdim=*/true);
  h = h * at::rsqrt(var + eps);
  return weight * h.to(x.scalar_type());
}

at::Tensor build_attention_mask(const at::Tensor& key_valid, int64_t past, int64_t T,
                                std::optional<int64_t> sliding_window, const at::Tensor& segments) {
  const int64_t S = key_valid.size(1);
  auto opts = at::TensorOptions().dtype(at::kLong).device(key_valid.device());
  auto q_idx = at::arange(past, past + T, opts).view({T, 1});
  auto k_idx = at::arange(0, S, opts).view({1, S});
  auto allowed = k_idx <= q_idx;  // [T,S]
  if (sliding_window) allowed = allowed.logical_and(k_idx > q_idx - *sliding_window);
  auto mask = allowed.unsqueeze(0).logical_and(key_valid.unsqueeze(1));  // [B,T,S]
  if (segments.defined()) mask = mask.logical_and(segments.unsqueeze(2) == segments.unsqueeze(1));
  return mask.unsqueeze(1);  // [B,1,T,S]
}

namespace {

at::Tensor causal_mask(int64_t T, int64_t S, const at::Device& device) {
  auto opts = at::TensorOptions().dtype(at::kLong).device(device);
  auto q_idx = at::arange(S - T, S, opts).view({T, 1});
  return (at::arange(0, S, opts).view({1, S}) <= q_idx).view({1, 1, T, S});
}

at::Tensor eager_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& allowed,
                           double topk_ratio) {
  const int64_t H = q.size(1), K = k.size(1);
  at::Tensor kk = k, vv = v;
  if (H != K) {  // GQA: each KV head serves H/K query heads
    kk = k.repeat_interleave(H / K, 1);
    vv = v.repeat_interleave(H / K, 1);
  }
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  auto scores = at::matmul(q, kk.transpose(-2, -1)) * scale;  // [B,H,T,S]
  at::Tensor drop;
  const auto lowest = lowest_value(scores.scalar_type());
  scores = scores.masked_fill(allowed.logical_not(), lowest);
  if (topk_ratio > 0) {
    at::NoGradGuard no_grad;  // which scores survive is a selection, not a function to differentiate
    const int64_t S = scores.size(-1);
    auto visible = allowed.expand(scores.sizes()).sum(-1, /*keepdim=*/true);              // [B,H,T,1]
    auto keep_n = (visible.to(at::kDouble) * topk_ratio).ceil().clamp_min(1).to(at::kLong);
    auto order = std::get<1>(scores.detach().sort(c10::optional<bool>(true), -1, /*descending=*/true));
    auto rank_kept = at::arange(S, order.options()).view({1, 1, 1, S}).lt(keep_n).expand(scores.sizes());
    auto keep = at::zeros(scores.sizes(), allowed.options()).scatter(-1, order, rank_kept);
    drop = keep.logical_not();
  }
  if (drop.defined()) scores = scores.masked_fill(drop, lowest);
  const auto softmax_type = q.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
  auto probs = at::softmax(scores, -1, softmax_type).to(q.scalar_type());
  return at::matmul(probs, vv);
}

}  // namespace

at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& allowed,
                     double topk_ratio, AttentionKernel kernel) {
  if (kernel == AttentionKernel::kEager || topk_ratio > 0) {
    const auto mask = allowed.defined() ? allowed : causal_mask(q.size(2), k.size(2), q.device());
    return eager_attention(q, k, v, mask, topk_ratio);
  }
  const bool gqa = q.size(1) != k.size(1);
  if (!allowed.defined()) {
    // The kernel's is_causal aligns the mask to the top-left; a query block ending at the last slot
    // (prefill after a cache, T < S) needs the bottom-right alignment: pass it as a mask.
    if (q.size(2) == 1) return at::scaled_dot_product_attention(q, k, v, {}, 0.0, false, {}, gqa);  // decode
    if (q.size(2) == k.size(2)) return at::scaled_dot_product_attention(q, k, v, {}, 0.0, true, {}, gqa);
    return at::scaled_dot_product_attention(q, k, v, causal_mask(q.size(2), k.size(2), q.device()), 0.0, false, {},
                                            gqa);
  }
  return at::scaled_dot_product_attention(q, k, v, allowed, 0.0, false, {}, gqa);
}

}  // namespace llmcp::model

// Rotary embedding tables; the scaling formulas follow HF's rope initialisation functions.
#include "model/rope.h"

#include <cmath>

namespace llmcp::model {
namespace {
at::Tensor base_inv_freq(double theta, int64_t dim) {
  // 1 / theta^(2i/D) in fp32, from an int64 arange as HF computes it.
  auto i = at::arange(0, dim, 2, at::kLong).to(at::kFloat);
  return 1.0 / at::pow(theta, i / static_cast<double>(dim));
}
}  // namespace

Rope::Rope(const RopeConfig& cfg, int64_t head_dim, int64_t max_position)
    : cfg_(cfg), head_dim_(head_dim), max_position_(max_position) {
  inv_freq_ = base_inv_freq(cfg.theta, head_dim);
  if (cfg.scaling == RopeScaling::kLinear) {
    inv_freq_ = inv_freq_ / cfg.factor;
  } else if (cfg.scaling == RopeScaling::kLlama3) {
    const double old_ctx = static_cast<double>(cfg.original_max_position);
    const double low_wavelen = old_ctx / cfg.low_freq_factor;
    const double high_wavelen = old_ctx / cfg.high_freq_factor;
    auto wavelen = 2.0 * M_PI / inv_freq_;
    auto scaled = at::where(wavelen > low_wavelen, inv_freq_ / cfg.factor, inv_freq_);
    auto smooth = (old_ctx / wavelen - cfg.low_freq_factor) / (cfg.high_freq_factor - cfg.low_freq_factor);
    auto smoothed = (1 - smooth) * scaled / cfg.factor + smooth * scaled;
    auto is_medium = (wavelen >= high_wavelen).logical_and(wavelen <= low_wavelen);
    inv_freq_ = at::where(is_medium, smoothed, scaled);
  }
}

at::Tensor Rope::inv_freq_for(int64_t seq_len) const {
  if (cfg_.scaling != RopeScaling::kDynamic) return inv_freq_;
  const int64_t original = max_position_;  // HF uses max_position_embeddings here
  if (seq_len <= original) return inv_freq_;
  // NTK-aware: grow the base with the sequence length.
  const double d = static_cast<double>(head_dim_);
  double base = cfg_.theta * std::pow(cfg_.factor * seq_len / original - (cfg_.factor - 1), d / (d - 2));
  return base_inv_freq(base, head_dim_);
}

std::pair<at::Tensor, at::Tensor> Rope::tables(const at::Tensor& positions, at::ScalarType dtype) const {
  int64_t seq_len = positions.numel() ? positions.max().item<int64_t>() + 1 : 0;
  auto inv = inv_freq_for(seq_len).to(positions.device());
  auto freqs = positions.to(at::kFloat).unsqueeze(-1) * inv.view({1, 1, -1});  // [B,T,D/2]
  auto emb = at::cat({freqs, freqs}, -1).unsqueeze(1);                         // [B,1,T,D]
  return {emb.cos().to(dtype), emb.sin().to(dtype)};
}

at::Tensor Rope::apply(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  auto x1 = x.narrow(-1, 0, half);
  auto x2 = x.narrow(-1, half, half);
  auto rotated = at::cat({-x2, x1}, -1);
  return x * cos + rotated * sin;
}

}  // namespace llmcp::model

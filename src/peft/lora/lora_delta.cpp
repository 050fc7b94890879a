// LoRA and DoRA forward, merge and unmerge. The adapter computes in its own dtype (fp32 by
// default, as PEFT's autocast_adapter_dtype does) and the sum is cast back to the base's dtype.
#include "peft/lora/lora_delta.h"

#include <ATen/core/grad_mode.h>

#include "core/error.h"

namespace llmcp::peft {

LoraDelta::LoraDelta(at::Tensor A, at::Tensor B, at::Tensor magnitude, double scaling, double dropout)
    : A_(std::move(A)), B_(std::move(B)), magnitude_(std::move(magnitude)), scaling_(scaling), dropout_(dropout) {
  LLMCP_CHECK(A_.dim() == 2 && B_.dim() == 2 && B_.size(1) == A_.size(0), kShapeMismatch, "lora_A ", A_.sizes(),
              " and lora_B ", B_.sizes(), " do not form a rank-R pair ([R,in] and [out,R])");
  LLMCP_CHECK(!magnitude_.defined() || (magnitude_.dim() == 1 && magnitude_.size(0) == B_.size(0)), kShapeMismatch,
              "lora_magnitude_vector ", magnitude_.sizes(), " must be [", B_.size(0), "]");
}

at::Tensor LoraDelta::delta(const model::Linear& base, const at::Tensor& x, const at::Tensor& base_out) const {
  const auto dt = A_.scalar_type();
  const bool drop = training_ && dropout_ > 0;
  auto xa = x.to(dt);
  if (drop) xa = at::dropout(xa, dropout_, /*train=*/true);
  auto lora = at::linear(at::linear(xa, A_), B_);  // [..., out]
  if (!is_dora()) return lora * scaling_;

  auto n = weight_norm(base.weight.defined() ? base.weight : base.dense_weight(at::kFloat));  // gathers a sharded base
  auto scale = magnitude_ / n;  // [out], gradient only through m
  at::Tensor w0x;
  if (drop) {
    w0x = base.weight_product(xa).to(dt);
  } else {
    w0x = base_out.to(dt);
    if (base.bias.defined()) w0x = w0x - base.bias.to(dt);
  }
  return (scale - 1) * w0x + scale * lora * scaling_;
}

std::vector<SuffixTensor> LoraDelta::parameters() {
  std::vector<SuffixTensor> out = {{".lora_A.weight", &A_}, {".lora_B.weight", &B_}};
  if (is_dora()) out.emplace_back(".lora_magnitude_vector", &magnitude_);
  return out;
}

at::Tensor LoraDelta::delta_weight() const {
  at::NoGradGuard no_grad;
  return at::matmul(B_.to(at::kFloat), A_.to(at::kFloat)) * scaling_;
}

at::Tensor LoraDelta::weight_norm(const at::Tensor& base_weight) const {
  at::NoGradGuard no_grad;
  auto w = base_weight.to(at::kFloat) + delta_weight().to(base_weight.device());
  return w.norm(2, {1}).to(A_.scalar_type());
}

void LoraDelta::merge_into(at::Tensor& weight) {
  at::NoGradGuard no_grad;
  auto w = weight.to(at::kFloat) + delta_weight().to(weight.device());
  if (is_dora()) {
    merged_norm_ = w.norm(2, {1});
    w = w * (magnitude_.to(at::kFloat) / merged_norm_).unsqueeze(1);
  }
  weight.copy_(w);
}

void LoraDelta::unmerge_from(at::Tensor& weight) {
  at::NoGradGuard no_grad;
  auto w = weight.to(at::kFloat);
  if (is_dora()) {
    LLMCP_CHECK(merged_norm_.defined(), kInternal, "DoRA unmerge without a merge");
    w = w / (magnitude_.to(at::kFloat) / merged_norm_).unsqueeze(1);
  }
  weight.copy_(w - delta_weight().to(weight.device()));
}

}  // namespace llmcp::peft

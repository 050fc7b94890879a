// The LoRA / DoRA delta of one linear layer (R = rank):
//   LoRA: y = base(x) + s * B(A(dropout(x)))                       A [R,in], B [out,R]
//   DoRA: y = base(x) + (m/n - 1) * W0 x' + (m/n) * s * B(A x')    m [out], n = row-norm(W0 + s B A), detached
// with x' = dropout(x) (x itself when not training or p = 0). Semantics as in PEFT's LoRA layer.
#pragma once

#include <ATen/ATen.h>

#include "peft/adapter_delta.h"

namespace llmcp::peft {

class LoraDelta : public AdapterDelta {
 public:
  // magnitude undefined = plain LoRA. Tensors are used as given (they may require grad).
  LoraDelta(at::Tensor A, at::Tensor B, at::Tensor magnitude, double scaling, double dropout);

  at::Tensor delta(const model::Linear& base, const at::Tensor& x, const at::Tensor& base_out) const override;

  // Dense s * B @ A [out,in] (no grad) in fp32.
  at::Tensor delta_weight() const;
  // Row norms of (W0 + s B A) [out], detached, in fp32: DoRA's n.
  at::Tensor weight_norm(const at::Tensor& base_weight) const;

  // In place on `weight` (the base's): merge W <- W + s B A (LoRA) or W <- (m/n)(W + s B A) (DoRA);
  // unmerge undoes it (DoRA with the n cached at merge time).
  void merge_into(at::Tensor& weight) override;
  void unmerge_from(at::Tensor& weight) override;
  // lora_A, lora_B (and DoRA's lora_magnitude_vector) under PEFT's key suffixes.
  std::vector<SuffixTensor> parameters() override;

  bool is_dora() const { return magnitude_.defined(); }
  void set_training(bool on) override { training_ = on; }
  bool training() const { return training_; }
  const at::Tensor& A() const { return A_; }
  const at::Tensor& B() const { return B_; }
  const at::Tensor& magnitude() const { return magnitude_; }
  at::Tensor& A() { return A_; }
  at::Tensor& B() { return B_; }
  at::Tensor& magnitude() { return magnitude_; }
  double scaling() const { return scaling_; }
  int64_t rank() const { return A_.size(0); }

 private:
  at::Tensor A_, B_, magnitude_;
  double scaling_, dropout_;
  bool training_ = false;
  at::Tensor merged_norm_;  // DoRA: n at merge time
};

}  // namespace llmcp::peft

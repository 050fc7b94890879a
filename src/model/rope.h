// Rotary position embeddings as in HF's Llama: inverse frequencies (with linear, dynamic-NTK
// and llama3 scaling), cos/sin tables per position, and the rotate-half application.
#pragma once

#include <ATen/ATen.h>

#include "model/decoder_config.h"

namespace llmcp::model {

class Rope {
 public:
  Rope(const RopeConfig& cfg, int64_t head_dim, int64_t max_position);
  // positions [B,T] int64 -> cos, sin [B,1,T,D] in `dtype` on positions' device.
  std::pair<at::Tensor, at::Tensor> tables(const at::Tensor& positions, at::ScalarType dtype) const;
  // x [B,H,T,D] -> x * cos + rotate_half(x) * sin
  static at::Tensor apply(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

 private:
  at::Tensor inv_freq_for(int64_t seq_len) const;
  RopeConfig cfg_;
  int64_t head_dim_, max_position_;
  at::Tensor inv_freq_;
};

}  // namespace llmcp::model

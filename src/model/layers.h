// The decoder's building blocks as plain structs over at::Tensor: a linear layer (frozen base
// weight plus the adapter deltas the peft layer attaches), a norm, and scaled-dot-product attention.
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/base_shard.h"
#include "model/decoder_config.h"
#include "quant/quantized_weight.h"

namespace llmcp::model {

struct Linear;

// What an adapter adds to a linear layer's output. The model only knows this interface; LoRA,
// DoRA and sparse deltas live in the peft layer, so base weights stay separate from deltas.
class LinearDelta {
 public:
  virtual ~LinearDelta() = default;
  // x [..., in]; base_out = base.base_forward(x) [..., out]. Returns the term added to base_out,
  // or an undefined tensor when it adds nothing (no row of this step uses it).
  virtual at::Tensor delta(const Linear& base, const at::Tensor& x, const at::Tensor& base_out) const = 0;
};

// The base weight is dense (`weight`), quantized (`qweight`, weight undefined), or sharded across
// training processes (`shard`, both undefined: gathered for each product, model/sharded_linear.h).
struct Linear {
  std::string name;   // HF module name, e.g. "model.layers.0.self_attn.q_proj"
  at::Tensor weight;  // [out, in]
  at::Tensor bias;    // [out] or undefined
  std::vector<std::shared_ptr<const LinearDelta>> deltas;  // the active adapters, summed
  std::shared_ptr<const quant::QuantizedWeight> qweight;    // set when the base is quantized
  std::shared_ptr<const BaseShard> shard;                   // set when the base is sharded

  at::Tensor forward(const at::Tensor& x) const;       // base + every active delta
  at::Tensor base_forward(const at::Tensor& x) const;  // x W^T + b
  at::Tensor weight_product(const at::Tensor& x) const;  // x W^T (no bias), in dtype()

  bool present() const { return weight.defined() || qweight != nullptr || shard != nullptr; }
  bool quantized() const { return qweight != nullptr; }  // held here quantized (not sharded)
  bool sharded() const { return shard != nullptr; }
  int64_t out_features() const { return shard ? shard->info().out : qweight ? qweight->out : weight.size(0); }
  int64_t in_features() const { return shard ? shard->info().in : qweight ? qweight->in : weight.size(1); }
  at::Device device() const { return shard ? shard->info().device : qweight ? qweight->device() : weight.device(); }
  // The dtype products come back in: the dense weight's, or a quantized base's compute dtype.
  at::ScalarType dtype() const {
    return shard ? shard->info().dtype : qweight ? qweight->compute_dtype : weight.scalar_type();
  }
  // W [out, in] dense in `dtype` (a quantized base is dequantized, a sharded one gathered: a
  // temporary copy).
  at::Tensor dense_weight(at::ScalarType dtype) const;
};

// A feed-forward block: down(silu(gate x) * up x) (kGatedSilu) or down(gelu(up x)) (kGelu, exact
// erf GELU; gate absent). Also each expert of a mixture of experts.
struct Mlp {
  Linear gate, up, down;
  at::Tensor forward(MlpKind kind, const at::Tensor& x) const;
};

struct Norm {
  std::string name;
  NormKind kind = NormKind::kRmsNorm;
  double eps = 1e-6;
  at::Tensor weight, bias;
  // RMSNorm computes in fp32 and casts back before the weight, as HF's LlamaRMSNorm does.
  at::Tensor forward(const at::Tensor& x) const;
};

// Which attention computes the probabilities. kFused: at::scaled_dot_product_attention (flash /
// memory-efficient kernels on CPU and CUDA: no B x H x T x S probabilities kept), used for
// training, prefill and decode. kEager: the reference below, materialised in fp32; also what
// top-k attention needs (it selects among the scores).
enum class AttentionKernel { kFused, kEager };

// q [B,H,T,D], k/v [B,K,S,D], boolean `allowed` [B,1,T,S] -> [B,H,T,D]; `allowed` undefined means
// plain causal attention over the last T of S slots (no padding, window or segments), which the
// fused kernel runs without a mask. Grouped KV heads serve H/K query heads each.
// Eager: masked scores are set (not added) to the dtype's lowest finite value, so fp16 cannot
// overflow to -inf; softmax in fp32. A query with no visible key (a padding row, whose output
// nothing reads) gets the mean of the values from the eager kernel, zeros from the fused one.
// topk_ratio > 0 (sparse fine-tuning's top-k attention, eager only): each query
// keeps only its ceil(ratio * visible) highest scores among the visible keys (at least one; ties:
// the lower key position), the rest are masked like invisible keys.
at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& allowed,
                     double topk_ratio = 0, AttentionKernel kernel = AttentionKernel::kFused);

// [B,1,T,S] bool: key j visible to query i (slot index past+t) when j <= i, the key is a real
// token, and (with a sliding window W) j > i - W. With `segments` [B,T] (packed rows, no cache),
// a key is visible only to queries of the same segment.
at::Tensor build_attention_mask(const at::Tensor& key_valid, int64_t past, int64_t T,
                                std::optional<int64_t> sliding_window, const at::Tensor& segments = {});

}  // namespace llmcp::model

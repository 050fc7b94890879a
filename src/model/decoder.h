// The one generic decoder-only transformer. Architectures differ only in DecoderConfig (norm,
// activation, rotary variant, grouped or fused QKV, sequential or parallel block, dense MLP or
// mixture of experts) and in tensor names (WeightNames); the forward pass is shared.
// Device- and dtype-agnostic.
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/arch_registry.h"
#include "model/decoder_config.h"
#include "model/kv_cache.h"
#include "model/layer_spec.h"
#include "model/layers.h"
#include "model/rope.h"

namespace llmcp::model {

struct DecoderLayer {
  Norm attn_norm, mlp_norm;  // mlp_norm has no weight when a parallel block shares attn_norm
  Linear q, k, v, qkv, o;    // q/k/v, or qkv for QkvKind::kFused
  Mlp mlp;                   // the dense MLP, or a mixture of experts:
  Linear router;
  std::vector<Mlp> experts;
};

// A layer's field for one of model/layer_spec.h's modules: the description is walked, the struct
// is where the forward finds them.
Linear& linear_of(DecoderLayer& l, const LayerModule& m);
Norm& norm_of(DecoderLayer& l, const LayerModule& m);

// What the routers of a mixture-of-experts decoder did, per layer, when hidden_states() is asked.
struct RouterTrace {
  std::vector<at::Tensor> logits;    // [B*T, E], differentiable (the load-balancing loss)
  std::vector<at::Tensor> selected;  // [B*T, top_k] int64, highest weight first
};

using TensorMap = std::map<std::string, at::Tensor>;
// Quantized base weights by module name ("model.layers.0.mlp.down_proj").
using QuantizedMap = std::map<std::string, std::shared_ptr<const quant::QuantizedWeight>>;
// Base weights sharded across training processes, by module name (model/base_shard.h).
using ShardMap = std::map<std::string, std::shared_ptr<const BaseShard>>;

// Which positions get logits: all (training, scoring) or the last (generation).
enum class LogitsFor { kAll, kLast };

// Attention for a flat batch of tokens from many sequences (serving, serve/paged_kv.h): the
// caller knows which sequence each token belongs to and where its keys and values live.
class TokenAttention {
 public:
  virtual ~TokenAttention() = default;
  // Layer `layer` of the step: q [N,H,D], k and v [N,K,D] of the step's tokens, rotary applied.
  // Stores k and v, and returns each token's attention output [N,H,D] over its sequence so far.
  virtual at::Tensor attend(int64_t layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) = 0;
};

// A named parameter tensor of the decoder (HF name, e.g. "model.norm.weight"), for adapters,
// training and saving. The pointer stays valid as long as the decoder lives.
struct TensorSlot {
  std::string name;
  at::Tensor* tensor;
};

class Decoder {
 public:
  // Takes every tensor named by parameter_specs(); shapes are checked, errors name the tensor.
  // A linear module found in `quantized` or `sharded` takes that base instead of a dense
  // "<module>.weight".
  Decoder(DecoderConfig config, WeightNames names, TensorMap tensors, QuantizedMap quantized = {},
          ShardMap sharded = {});

  // ids [B,T] int64; mask [B,T] (1 real, 0 padding; undefined = all real); cache optional.
  // Returns logits [B,T,V] (or [B,1,V] for LogitsFor::kLast) in the weights' dtype.
  at::Tensor forward(const at::Tensor& ids, const at::Tensor& mask = {}, KvCache* cache = nullptr,
                     LogitsFor which = LogitsFor::kAll) const;

  // Serving: one step over the tokens of many sequences, ids [N] at positions [N] (int64);
  // `attention` sees every layer's queries, keys and values. Returns logits [M,V] for the tokens
  // at `rows` [M] (each sequence's last, usually), in the weights' dtype.
  at::Tensor forward_tokens(const at::Tensor& ids, const at::Tensor& positions, TokenAttention& attention,
                            const at::Tensor& rows) const;

  // Training: ids [B,T]; mask [B,T] (undefined = all real); segments [B,T] (packed rows: tokens
  // attend within their segment and positions restart at each segment; undefined = one per row).
  // Returns the final-normed hidden states [B,T,C]; logits() turns (a slice of) them into logits.
  // `trace` (mixture of experts only) receives each layer's routing.
  at::Tensor hidden_states(const at::Tensor& ids, const at::Tensor& mask = {}, const at::Tensor& segments = {},
                           RouterTrace* trace = nullptr) const;
  at::Tensor logits(const at::Tensor& hidden) const;  // [..., C] -> [..., V]

  // Mutable views for adapters and training. linears(): every linear layer, the LM head last
  // (absent when tied to the embedding). tensors(): every dense parameter once, in checkpoint
  // order (a quantized base weight is not one; its bias is).
  std::vector<Linear*> linears();
  std::vector<TensorSlot> tensors();
  // The quantized bases, by module name, in checkpoint order.
  std::vector<std::pair<std::string, std::shared_ptr<const quant::QuantizedWeight>>> quantized_weights() const;
  // Recompute each decoder layer in backward instead of keeping its activations.
  void set_gradient_checkpointing(bool on) { checkpointing_ = on; }
  bool gradient_checkpointing() const { return checkpointing_; }
  // Top-k attention (sparse fine-tuning, training only): 0 = off; else each query keeps its
  // ceil(ratio * visible) highest scores. Never applied with a KV cache (generation).
  void set_topk_attention(double ratio) { topk_ratio_ = ratio; }
  double topk_attention() const { return topk_ratio_; }
  // Fused (scaled_dot_product_attention, the default) or eager attention (model/layers.h).
  void set_attention_kernel(AttentionKernel k) { attention_kernel_ = k; }
  AttentionKernel attention_kernel() const { return attention_kernel_; }
  // Training mode: only the router's jitter noise (router_jitter_noise) depends on it.
  void set_training(bool on) { training_ = on; }
  // One decoder layer (attention + MLP with residuals), without a cache.
  at::Tensor layer_forward(int64_t layer, const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                           const at::Tensor& attn_mask, RouterTrace* trace = nullptr) const;

  const DecoderConfig& config() const { return config_; }
  const WeightNames& names() const { return names_; }
  at::ScalarType dtype() const { return embed_.scalar_type(); }
  at::Device device() const { return embed_.device(); }

 private:
  // Where a layer's attention finds its keys: the step's own (mask), a KvCache, or a
  // TokenAttention (one of the last two at most).
  struct Keys {
    const at::Tensor& mask;
    KvCache* cache = nullptr;
    TokenAttention* tokens = nullptr;
  };
  at::Tensor attention_block(const DecoderLayer& l, const at::Tensor& h, const at::Tensor& cos,
                             const at::Tensor& sin, const Keys& keys, int64_t layer) const;
  at::Tensor mlp_block(const DecoderLayer& l, const at::Tensor& h, RouterTrace* trace) const;
  at::Tensor block(int64_t layer, const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                   const Keys& keys, RouterTrace* trace) const;
  // Embeddings through every layer and the final norm: [B,T,C].
  at::Tensor run(const at::Tensor& ids, const at::Tensor& mask, const at::Tensor& segments, KvCache* cache,
                 LogitsFor which, RouterTrace* trace) const;

  DecoderConfig config_;
  WeightNames names_;
  std::vector<LayerModule> modules_;  // every layer's modules (model/layer_spec.h)
  at::Tensor embed_;  // [V,C]
  std::vector<DecoderLayer> layers_;
  Norm final_norm_;
  Linear lm_head_;
  std::unique_ptr<Rope> rope_;
  bool checkpointing_ = false;
  double topk_ratio_ = 0;
  AttentionKernel attention_kernel_ = AttentionKernel::kFused;
  bool training_ = false;
};

}  // namespace llmcp::model

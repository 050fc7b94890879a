// The one generic decoder-only transformer. Architectures differ only in DecoderConfig and in
// tensor names (WeightNames); the forward pass is shared. Device- and dtype-agnostic.
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/arch_registry.h"
#include "model/decoder_config.h"
#include "model/kv_cache.h"
#include "model/layers.h"
#include "model/rope.h"

namespace llmcp::model {

struct DecoderLayer {
  Norm attn_norm, mlp_norm;
  Linear q, k, v, o, gate, up, down;
};

using TensorMap = std::map<std::string, at::Tensor>;

// Which positions get logits: all (training, scoring) or the last (generation).
enum class LogitsFor { kAll, kLast };

class Decoder {
 public:
  // Takes every tensor named by parameter_specs(); shapes are checked, errors name the tensor.
  Decoder(DecoderConfig config, WeightNames names, TensorMap tensors);

  // ids [B,T] int64; mask [B,T] (1 real, 0 padding; undefined = all real); cache optional.
  // Returns logits [B,T,V] (or [B,1,V] for LogitsFor::kLast) in the weights' dtype.
  at::Tensor forward(const at::Tensor& ids, const at::Tensor& mask = {}, KvCache* cache = nullptr,
                     LogitsFor which = LogitsFor::kAll) const;

  const DecoderConfig& config() const { return config_; }
  at::ScalarType dtype() const { return embed_.scalar_type(); }
  at::Device device() const { return embed_.device(); }

 private:
  at::Tensor attention_block(const DecoderLayer& l, const at::Tensor& h, const at::Tensor& cos,
                             const at::Tensor& sin, const at::Tensor& mask, KvCache* cache,
                             int64_t layer) const;
  at::Tensor mlp_block(const DecoderLayer& l, const at::Tensor& h) const;

  DecoderConfig config_;
  WeightNames names_;
  at::Tensor embed_;  // [V,C]
  std::vector<DecoderLayer> layers_;
  Norm final_norm_;
  Linear lm_head_;
  std::unique_ptr<Rope> rope_;
};

}  // namespace llmcp::model

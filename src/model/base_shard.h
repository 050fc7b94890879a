// A linear layer's frozen base weight of which this process keeps only a part: training sharded
// across processes (FSDP / ZeRO-3 style), where a base too big for one device is split among the
// ranks. The layer asks for the whole weight just before a product and lets it go after; the
// model knows only this interface, dist/ holds the parts and gathers them (dist/sharded_weight.h).
#pragma once

#include <ATen/ATen.h>

#include <memory>

#include "quant/quantized_weight.h"

namespace llmcp::model {

// A whole base weight: dense [out, in], or quantized (weight undefined).
struct WholeBase {
  at::Tensor weight;
  std::shared_ptr<const quant::QuantizedWeight> qweight;
};

// What a layer needs to know of its base without gathering it.
struct BaseInfo {
  int64_t out = 0, in = 0;
  at::ScalarType dtype = at::kFloat;  // dense: the weight's; quantized: the compute dtype
  at::Device device = at::kCPU;
  bool quantized = false;
};

class BaseShard {
 public:
  virtual ~BaseShard() = default;
  // The whole weight, from every rank's part: a collective, so every rank asks for the same
  // layers in the same order (the forward and backward passes do). A temporary.
  virtual WholeBase gather() const = 0;
  virtual const BaseInfo& info() const = 0;
  virtual int64_t local_bytes() const = 0;  // what this rank keeps
};

}  // namespace llmcp::model

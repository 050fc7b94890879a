// How much memory a training run or an inference session needs, as a breakdown: weights (by
// dtype, or 4-bit/8-bit with their constants), adapter or trained parameters, gradients, AdamW's
// moments, activations kept for backward (per layer, a function of batch, sequence length,
// gradient checkpointing and the attention implementation), the logits and cross-entropy buffers,
// the largest transient of the backward pass, RigL's dense gradients, the KV cache, and the
// runtime's own overhead. The model follows this program's decoder op by op (src/model/,
// src/peft/), walks the step as a timeline (forward, loss, each layer's backward, the optimizer)
// and reports the largest point; bench/memory_check.sh measures it against real runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "train/plan/model_shape.h"
#include "train/train_config.h"

namespace llmcp::plan {

struct MemoryPart {
  std::string name;  // weights, trainable, gradients, optimizer, activations, ...
  int64_t bytes = 0;
  std::string detail;
};

struct MemoryEstimate {
  std::vector<MemoryPart> parts;  // at the peak
  int64_t total_bytes = 0;
  std::string peak_at;  // which point of the step is the largest
  int64_t trainable_parameters = 0;
  // Activations and loss buffers alive right after the forward pass (what backward will use):
  // the part of the model a test can hold against libtorch's real allocations.
  int64_t forward_kept_bytes = 0;
  nlohmann::ordered_json to_json() const;
};

// "sdpa": the fused kernel this program runs by default (scaled_dot_product_attention, flash /
// memory-efficient: only O(T) per head is kept); "eager": the reference attention, also what
// top-k attention runs (the B x H x T x T probabilities are kept for backward).
enum class Attention { kEager, kSdpa };
Attention parse_attention(const std::string& name);

struct PlanOptions {
  Attention attention = Attention::kSdpa;
  // Target tokens per row as a fraction of seq_len (1: every position predicts, as with packing
  // or train_on_all; the loss buffers scale with it).
  double target_fraction = 1.0;
  // Training processes (one per device). Above 1, the estimate is each process's: the whole
  // model, or with shard_base 1/processes of every linear base plus the layer being gathered; and
  // the gradient all-reduce's buckets.
  int64_t processes = 1;
};

// The training step's peak for `c` (method, batch_size, seq_len, gradient_checkpointing, bf16,
// device, lora/quantization/sparse settings) on `m`.
MemoryEstimate estimate_training(const ModelShape& m, const train::TrainConfig& c, const PlanOptions& o = {});

struct InferenceRequest {
  int64_t batch_size = 1;
  int64_t context_tokens = 2048;  // prompt + generated tokens per sequence
  std::string dtype = "bfloat16";
  std::string quantization;  // "" | nf4 | fp4 | int8
  std::string device = "cpu";
  Attention attention = Attention::kSdpa;
};
MemoryEstimate estimate_inference(const ModelShape& m, const InferenceRequest& r);

// Bytes of a 4-bit (bitsandbytes layout: packed nibbles, 16-entry code, absmax per block or double
// quantized) or 8-bit (int8 + fp32 row scale) weight of `out` x `in`.
int64_t quantized_weight_bytes(int64_t out, int64_t in, int bits, bool double_quant, int64_t blocksize);


}  // namespace llmcp::plan

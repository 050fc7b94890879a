// The activation side of the memory model: what one decoder layer keeps for backward, what the
// loss keeps and allocates, and the largest temporaries of a layer's backward, for a given
// method, batch, sequence length, precision, checkpointing and attention implementation.
// Internal to the planner (memory_estimate.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "peft/method.h"
#include "train/plan/memory_estimate.h"

namespace llmcp::plan {

struct TargetShape {
  int64_t rank = 0, out = 0, in = 0;
};

struct ActivationInputs {
  const ModelShape* shape = nullptr;
  const train::TrainConfig* config = nullptr;
  Attention attention = Attention::kSdpa;
  double target_fraction = 1.0;
  bool cuda = false;
  int64_t base_size = 4;                        // bytes per element of the frozen base / residual stream
  std::map<std::string, TargetShape> targets;  // adapted modules; empty for full fine-tuning
};

struct Activations {
  std::vector<int64_t> kept;      // per layer: bytes kept for backward (checkpointing: the layer's input)
  int64_t recomputed = 0;         // checkpointing: one layer's kept set while its backward runs
  int64_t saved_all = 0;          // sum of kept
  int64_t heap_kept = 0;          // of which in heap blocks (checkpointing: with one recomputed layer)
  int64_t loss_saved = 0;         // final norm input, log-probabilities (and the LM head's input when trained)
  int64_t loss_forward = 0;       // logits while the log-probabilities are computed
  int64_t loss_backward = 0;      // gradients of log-probabilities and logits
  int64_t layer_backward_transient = 0;
  int64_t head_parameters = 0, embed_parameters = 0;  // for the order gradients appear in
  std::string detail;
  // Activations alive while layer l's backward runs.
  int64_t saved_through(int64_t l) const;
};

Activations activations(const ActivationInputs& in);

}  // namespace llmcp::plan

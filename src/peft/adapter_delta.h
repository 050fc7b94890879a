// What every adapter kind (LoRA/DoRA, sparse) offers the adapter bookkeeping in PeftModel beyond
// the model's LinearDelta: its tensors under checkpoint-key suffixes, merge and unmerge into a
// dense base weight, and the training switch (dropout).
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <utility>
#include <vector>

#include "model/layers.h"

namespace llmcp::peft {

// A tensor of one module's adapter under its key suffix (".lora_A.weight", ".sparse_values").
using SuffixTensor = std::pair<std::string, at::Tensor*>;

class AdapterDelta : public model::LinearDelta {
 public:
  // Trained tensors (they require grad), in a stable order.
  virtual std::vector<SuffixTensor> parameters() = 0;
  // Saved with the adapter but not trained (a sparse delta's indices).
  virtual std::vector<SuffixTensor> buffers() { return {}; }
  // In place on a dense base weight [out, in]; unmerge undoes merge.
  virtual void merge_into(at::Tensor& weight) = 0;
  virtual void unmerge_from(at::Tensor& weight) = 0;
  virtual void set_training(bool on) { (void)on; }
};

}  // namespace llmcp::peft

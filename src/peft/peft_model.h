// A base decoder plus named adapters, as PEFT's PeftModel: add, load, save, activate, disable,
// merge and unmerge adapters; list the trainable tensors under their PEFT checkpoint keys.
// Adapters of any registered method (peft/method_runtime.h: LoRA/DoRA, sparse, ...) are handled
// alike through their AdapterDelta.
// The base weights are never replaced by adapter state, only added to (merge) or swapped
// (modules_to_save, restored when the adapter is switched off).
#pragma once

#include <ATen/ATen.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/decoder.h"
#include "peft/lora_config.h"
#include "peft/adapter_delta.h"

namespace llmcp::peft {

// A tensor under its checkpoint key (e.g. "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").
struct NamedParameter {
  std::string key;
  at::Tensor* tensor;
};

struct Adapter {
  LoraConfig config;
  std::map<std::string, std::shared_ptr<AdapterDelta>> modules;  // the method's deltas, by module name
  std::vector<std::string> module_order;
  std::map<std::string, at::Tensor> saved;      // modules_to_save: tensor name -> trainable copy
  std::vector<std::string> biases;               // tensor names of base biases this adapter trains
  bool merged = false;
};

class PeftModel {
 public:
  explicit PeftModel(model::Decoder& decoder);
  PeftModel(const PeftModel&) = delete;
  PeftModel& operator=(const PeftModel&) = delete;

  // A fresh adapter initialised by its method (LoRA: init_lora_weights; sparse: a random mask with
  // zero values) from `seed`, in fp32 on the base's device. The first adapter added becomes active.
  Adapter& add_adapter(const std::string& name, const LoraConfig& config, uint64_t seed);
  // Inserts an adapter whose tensors come from a file (peft_io); shapes are checked against the base.
  Adapter& add_loaded_adapter(const std::string& name, const LoraConfig& config,
                              std::map<std::string, at::Tensor> tensors, const std::string& source);
  void delete_adapter(const std::string& name);

  // Which adapters run in forward (PEFT's set_adapter; several are summed). Unknown names throw.
  void set_active(const std::vector<std::string>& names);
  const std::vector<std::string>& active() const { return active_; }
  // PEFT's disable_adapter(): the base model alone, until enable().
  void disable();
  void enable();

  void merge(const std::string& name);    // W <- W + delta (needs the adapter to be in the model)
  void unmerge(const std::string& name);

  void set_training(bool on);  // dropout on in training
  // Tensors of `name` under their checkpoint keys, in a stable order; with requires_grad.
  std::vector<NamedParameter> parameters(const std::string& name);
  // Saved but not trained (a sparse adapter's indices), under their checkpoint keys.
  std::vector<NamedParameter> buffers(const std::string& name);
  // "trainable params: N || all params: M || trainable%: P" as PEFT prints it.
  std::string trainable_summary(const std::string& name);

  const Adapter& adapter(const std::string& name) const;
  Adapter& adapter(const std::string& name);
  std::vector<std::string> adapter_names() const;
  model::Decoder& decoder() { return decoder_; }

 private:
  void rebuild();  // re-attaches deltas and module copies after any change of state
  model::Linear& linear(const std::string& module);
  at::Tensor& slot(const std::string& tensor_name);

  model::Decoder& decoder_;
  std::map<std::string, Adapter> adapters_;
  std::vector<std::string> active_;
  bool disabled_ = false;
  std::map<std::string, at::Tensor> originals_;  // modules_to_save: base tensors while swapped out
};

// "base_model.model." + module + suffix: the PEFT checkpoint key of an adapter tensor.
std::string peft_key(const std::string& module, const std::string& suffix);

}  // namespace llmcp::peft

// The torch half of a PEFT method (peft/method.h is the torch-free half): a fresh module's
// tensors, the delta built from a module's tensors (checked against its base layer), and what the
// method does between optimizer steps of a run (RigL's mask updates). PeftModel builds, loads and
// saves adapters and the trainer runs them through this interface only; nothing outside a
// method's folder knows its delta's type.
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/layers.h"
#include "peft/adapter_delta.h"
#include "peft/lora_config.h"
#include "peft/method.h"
#include "peft/targets.h"

namespace llmcp::peft {

struct Adapter;

// One targeted module's tensors, taken by key suffix from what a file (or a fresh start) holds;
// what is taken is gone, so the keys left over after every module are the file's strays.
class ModuleTensors {
 public:
  ModuleTensors(std::map<std::string, at::Tensor>& tensors, std::string module, std::string source,
                at::Device device, std::string base_model);
  // fp32 on the model's device, a fresh leaf requiring grad. Missing: kNotFound naming the key.
  at::Tensor take(const std::string& suffix);
  // As stored (integer indices stay int64), on the device, without grad.
  at::Tensor take_buffer(const std::string& suffix);
  const std::string& module() const { return module_; }
  const std::string& source() const { return source_; }
  // " (does the adapter belong to this base model?)", naming the base it was made for when known:
  // the end of a shape mismatch's message.
  std::string hint() const;

 private:
  at::Tensor find(const std::string& suffix);
  std::map<std::string, at::Tensor>& tensors_;
  std::string module_, source_;
  at::Device device_;
  std::string base_model_;
};

// A run's hooks around each optimizer step (1-based `step` of `total`).
class TrainingHooks {
 public:
  virtual ~TrainingHooks() = default;
  virtual void before_step(int64_t step, int64_t total) {
    (void)step;
    (void)total;
  }
  // Moves the optimizer's moments of `param` after its entries were rearranged: new entry j takes
  // old entry source[j]'s, -1 = zero (train::Optimizer::remap_state).
  using Remap = std::function<void(at::Tensor& param, const at::Tensor& source)>;
  // Tensors besides the parameters' gradients that this step's backward filled and that
  // data-parallel ranks must sum (in place, the same list on every rank) before after_step: RigL's
  // dense gradients at a mask update.
  virtual std::vector<at::Tensor> gradients_to_sum(int64_t step, int64_t total) {
    (void)step;
    (void)total;
    return {};
  }
  // Statistics for metrics.jsonl, or null when nothing changed.
  virtual nlohmann::ordered_json after_step(int64_t step, int64_t total, const Remap& remap) {
    (void)step;
    (void)total;
    (void)remap;
    return nullptr;
  }
};

class MethodRuntime {
 public:
  virtual ~MethodRuntime() = default;
  // A fresh module's tensors under their key suffixes (fp32 or int64, CPU), drawn from `gen`.
  virtual std::map<std::string, at::Tensor> init(const LoraConfig& c, const TargetPlan& t, const model::Linear& base,
                                                 at::Generator& gen) const = 0;
  // The module's delta from its tensors, their shapes checked against `base`.
  virtual std::shared_ptr<AdapterDelta> load(const LoraConfig& c, const TargetPlan& t, const model::Linear& base,
                                             ModuleTensors& tensors) const = 0;
  // Hooks for a run that trains `adapter`; null when the method does nothing between steps.
  virtual std::unique_ptr<TrainingHooks> training_hooks(const LoraConfig& c, Adapter& adapter) const {
    (void)c;
    (void)adapter;
    return nullptr;
  }
};

// The torch half of a registered method (kInvalidArgument when `name` is unknown).
const MethodRuntime& method_runtime(const std::string& name);
// Registers a method's two halves: one line for a method that is not built in (a test's).
void register_peft_method(std::unique_ptr<PeftMethod> method, std::unique_ptr<MethodRuntime> runtime);

}  // namespace llmcp::peft

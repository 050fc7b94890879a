// A PEFT method as one registered unit, as Hugging Face PEFT's register_peft_method: its name, its
// adapter_config.json type, its own keys (read, checked, defaulted, written), the training-method
// names that select it (LoRA's variant "dora"), and what it costs the planner per targeted module.
// This half is torch-free, for the config parser, the planner and the MCP layer; the torch half
// (tensors, delta, trainer hooks) is peft/method_runtime.h. Each method lives in peft/<method>/
// and is listed once in peft/builtin_methods.h; nothing else names a method.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace llmcp::peft {

struct LoraConfig;

// One of the method's own keys, as the training config and adapter_config.json spell it.
struct MethodKey {
  const char* name;
  const char* type;  // "int", "number", "bool", "string"
  const char* help;
};

// A training-method name that selects this method with some of its keys set (LoRA's "dora" sets
// use_dora). The method's own name selects it with its defaults.
struct MethodVariant {
  std::string name;
  std::string help;
  nlohmann::json keys;  // the keys the variant sets, e.g. {"use_dora": true}
};

// What one targeted module costs a training step, for the planner (fp32 tensors).
struct ModuleCost {
  int64_t trainable = 0;       // trained parameters
  int64_t largest_tensor = 0;  // elements of its largest trained tensor (AdamW's temporaries)
  int64_t buffer_bytes = 0;    // kept beside them and not trained (a sparse mask's indices and forms)
  int64_t update_bytes = 0;    // held on the steps that change the adapter's structure (RigL's dense gradient)
};

// What the product of one targeted module sees, for what its delta keeps for backward.
struct KeptInput {
  int64_t rows = 0, in = 0, out = 0, rank = 0;
  int64_t input_size = 4;  // bytes per element of the module's input as it arrives
  int64_t mm_size = 4;     // bytes per element of the products (2 under bf16 autocast)
  bool autocast = false, cuda = false;
};
struct Kept {
  std::vector<int64_t> tensors;  // bytes of each tensor kept (the planner tells heap blocks from mapped ones)
  bool shares_input = false;     // also keeps the module's input itself, kept once for the modules reading it
};

class PeftMethod {
 public:
  virtual ~PeftMethod() = default;
  // The method's name (`method:` in the training config) and its adapter_config.json peft_type.
  virtual std::string name() const = 0;
  virtual std::string peft_type() const = 0;
  virtual std::string help() const = 0;  // one line, for `train --help`, the README and the MCP schema
  virtual std::vector<MethodVariant> variants() const { return {}; }
  // The method's own training-config keys beyond the adapter keys every method shares
  // (target_modules, modules_to_save, bias, ...). LoRA's are the adapter keys themselves.
  virtual std::vector<MethodKey> keys() const { return {}; }
  // Whether LoRA's rank and alpha keys (r, lora_alpha, rank_pattern, ...) mean anything to it.
  virtual bool uses_rank() const { return false; }
  // The keys a typical run of `method` (its name or one of its variants) sets, as a user writes
  // them: the planner's support matrix and the recommender start from these.
  virtual nlohmann::json typical_keys(const std::string& method) const {
    (void)method;
    return nlohmann::json::object();
  }

  // The method's options from its keys in `j` (other keys ignored): checked, defaults filled in;
  // errors name the key and `source`. Stored in LoraConfig::options and written back by
  // write_options into adapter_config.json.
  virtual nlohmann::json read_options(const nlohmann::json& j, const std::string& source) const {
    (void)j;
    (void)source;
    return nlohmann::json::object();
  }
  virtual void write_options(const LoraConfig& c, nlohmann::json& j) const;

  // The planner's view: the tensors one targeted module [out, in] trains and keeps, and what its
  // delta keeps for backward.
  virtual ModuleCost module_cost(const LoraConfig& c, int64_t rank, int64_t out, int64_t in) const = 0;
  virtual Kept kept_for_backward(const LoraConfig& c, const KeptInput& k) const = 0;
  // > 0: training runs top-k attention keeping this fraction of each query's scores (eager
  // attention, plus a drop mask per layer).
  virtual double topk_attention(const LoraConfig& c) const {
    (void)c;
    return 0;
  }
};

// The registry: the built-in methods (peft/builtin_methods.h) and any registered since.
const std::vector<const PeftMethod*>& peft_methods();
const PeftMethod* find_peft_method(const std::string& name);         // by name; null when unknown
const PeftMethod* peft_method_of_type(const std::string& peft_type);  // by peft_type; null when unknown
const PeftMethod& peft_method(const std::string& name);               // kInvalidArgument listing the names
// Adds a method (its torch half: peft/method_runtime.h's register_peft_method). Names and types
// must be new. Not thread-safe: register before training or serving starts.
void add_peft_method(std::unique_ptr<PeftMethod> m);
// Changes each time a method is added (caches of the key table follow it).
int peft_methods_generation();

}  // namespace llmcp::peft

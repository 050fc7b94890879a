// Which modules of a model an adapter touches, decided exactly as PEFT decides it
// (check_target_module_exists, get_pattern_key, _set_trainable), on HF module names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "peft/lora_config.h"

namespace llmcp::peft {

struct TargetPlan {
  std::string module;  // "model.layers.0.self_attn.q_proj"
  int64_t rank;
  double alpha;
};

// `linear_modules`: every linear layer's name in model order; `output_layer` (lm_head) is left
// out of "all-linear". `default_targets` stands in when target_modules is absent. Throws
// kInvalidArgument when nothing matches, listing the model's module names.
std::vector<TargetPlan> plan_targets(const LoraConfig& c, const std::vector<std::string>& linear_modules,
                                     const std::string& output_layer,
                                     const std::vector<std::string>& default_targets);

// modules_to_save entry matching a module name (PEFT: the name ends with the entry).
bool is_module_to_save(const LoraConfig& c, const std::string& module);

}  // namespace llmcp::peft

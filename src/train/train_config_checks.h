// The training config's rules beyond types: every numeric key's range, the aliases that must not
// disagree, the device's spelling and the quantization keys (as the loader will read them). Run by
// train_config_from_json, so --dry-run, MCP start_training, recommend and the trainer share them.
#pragma once

#include <nlohmann/json.hpp>

#include "train/train_config.h"

namespace llmcp::train {

// Keys given under two names (epochs / num_train_epochs, ...) must agree.
void check_aliases(const nlohmann::json& j);
// Ranges and cross-key rules of a parsed config; throws kInvalidArgument naming the key.
void check_train_config(const TrainConfig& c);

}  // namespace llmcp::train

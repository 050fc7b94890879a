// Which method a training config trains: `method:` as given, or the one its keys imply (a PEFT
// method's own keys, a 4-bit or 8-bit base, a variant's keys such as use_dora), checked against
// the keys given. Torch-free; asks the PEFT method registry (peft/method.h), names no method.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "peft/method.h"

namespace llmcp::train {

// The PEFT method a training method trains ("dora" -> LoRA); null for "full".
const peft::PeftMethod* adapter_method(const std::string& training_method);

// `j`: the whole config; `peft`: its adapter keys, which receive the chosen variant's keys
// (dora: use_dora: true); `quantization`, `method_keys`: the base's and the PEFT method's keys.
// kInvalidArgument naming the key and the fix.
std::string resolve_method(const nlohmann::json& j, nlohmann::json& peft, const nlohmann::json& quantization,
                           const nlohmann::json& method_keys);

}  // namespace llmcp::train

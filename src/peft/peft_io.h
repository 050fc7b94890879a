// PEFT adapter folders: adapter_config.json + adapter_model.safetensors (F32 tensors under keys
// without the adapter name, metadata {"format": "pt"}), read and written as PEFT does.
#pragma once

#include <filesystem>
#include <string>

#include "peft/peft_model.h"

namespace llmcp::peft {

// Writes `name` of `model` into `dir` (created). Each file is replaced atomically.
void save_adapter(PeftModel& model, const std::string& name, const std::filesystem::path& dir);

// Reads a PEFT folder and adds it to `model` as `name`; checks every tensor against the base and
// says what does not match. Returns the config.
LoraConfig load_adapter(PeftModel& model, const std::filesystem::path& dir, const std::string& name);

}  // namespace llmcp::peft

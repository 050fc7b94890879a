// Synthetic models for tests, the demo and benchmarks: a complete HF model folder (config,
// seeded random weights, generation config, a trained byte-level BPE tokenizer) for any preset
// from ~1M parameters to the real 7B/8B shapes, written tensor by tensor.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/decoder_config.h"

namespace llmcp::model {

struct SyntheticSpec {
  std::string family = "llama";  // llama | mistral
  std::string preset = "tiny";   // tiny | small | 1b | 7b | 8b
  uint64_t seed = 0;
  std::string dtype = "float32";  // float32 | bfloat16 | float16
  nlohmann::json overrides = nlohmann::json::object();  // config.json keys applied over the preset
  int tokenizer_vocab = 512;
};

std::vector<std::string> synthetic_presets();
// The config the spec describes (preset, then overrides), validated.
DecoderConfig synthetic_config(const SyntheticSpec& spec);
// Writes config.json, generation_config.json, model.safetensors, tokenizer.json,
// tokenizer_config.json into `out` (created if needed).
void create_synthetic_model(const SyntheticSpec& spec, const std::filesystem::path& out);

}  // namespace llmcp::model

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
  std::string family = "llama";  // a registered family: llama | mistral | mixtral | falcon | falcon-rw
  std::string preset = "tiny";   // tiny | small | 1b | 7b | 8b
  uint64_t seed = 0;
  std::string dtype = "float32";  // float32 | bfloat16 | float16
  nlohmann::json overrides = nlohmann::json::object();  // config.json keys applied over the preset
  int tokenizer_vocab = 512;
  // UTF-8 text file the tokenizer is trained on, one entry per line; empty = the built-in corpus.
  std::string tokenizer_corpus;
  // Added tokens after <unk> <s> </s> <pad>: the special ones (skipped when decoding, e.g.
  // <|im_start|>), then plain added tokens (kept in decoded text, e.g. <tool_call>, which the
  // tool-call parser must see).
  std::vector<std::string> extra_special_tokens;
  std::vector<std::string> extra_added_tokens;
  // Jinja chat template file, written as chat_template.jinja and tokenizer_config.json's
  // chat_template; empty = none.
  std::string chat_template;
};

std::vector<std::string> synthetic_presets();
// The config the spec describes (preset, then overrides), validated.
DecoderConfig synthetic_config(const SyntheticSpec& spec);
// Writes config.json, generation_config.json, model.safetensors, tokenizer.json,
// tokenizer_config.json into `out` (created if needed).
void create_synthetic_model(const SyntheticSpec& spec, const std::filesystem::path& out);

}  // namespace llmcp::model

// Shared config mapping for the Llama-style architectures (Llama-2/3, CodeLlama, Mistral,
// Mixtral): RMSNorm, SwiGLU MLP, rotary embeddings with HF's rope_scaling variants, grouped KV heads.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "io/hf_config.h"
#include "model/arch_registry.h"
#include "model/decoder_config.h"

namespace llmcp::model::arch {

// rope_theta and rope_scaling / rope_parameters (every rotary architecture reads them alike).
RopeConfig parse_rope(const io::HfConfig& hf);
nlohmann::ordered_json rope_scaling_json(const RopeConfig& rope);  // null when unscaled

DecoderConfig parse_llama_like(const io::HfConfig& hf, int64_t default_max_position);
// config.json for a DecoderConfig, in the key order HF writes (model_type e.g. "llama").
nlohmann::ordered_json write_llama_like(const DecoderConfig& c, const std::string& model_type);

// The keys every family's config.json ends with, in HF's order (tie_word_embeddings ... vocab_size).
void write_common_keys(const DecoderConfig& c, nlohmann::ordered_json& j);

// Mistral's and Mixtral's built-in template: v3 (tool calls) when the tokenizer has [TOOL_CALLS].
std::string mistral_chat_template(const HasToken& has);

}  // namespace llmcp::model::arch

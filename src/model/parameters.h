// The list of parameters a decoder has (HF tensor names, shapes, initialisation). One list
// serves the loader (shape checks, which weights may be quantized), the synthetic-model writer
// and parameter counting.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/arch_registry.h"
#include "model/decoder_config.h"

namespace llmcp::model {

// Synthetic initialisation. Norm weights and biases get noise (not HF's 1/0) so tests that
// compare against a reference exercise them.
enum class Init { kNormal, kNearOne, kSmall };

struct ParamSpec {
  std::string name;  // full tensor name, e.g. "model.layers.0.self_attn.q_proj.weight"
  std::vector<int64_t> shape;
  Init init;
  bool quantizable;  // a decoder layer's linear weight (never the LM head or embeddings)
};

std::vector<ParamSpec> parameter_specs(const DecoderConfig& c, const WeightNames& n);

std::string layer_module(const WeightNames& n, int64_t layer, const std::string& module);

}  // namespace llmcp::model

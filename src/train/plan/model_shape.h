// What the planner needs to know about a model, read from its config.json alone (no weights):
// every parameter tensor with its shape (the decoder's own parameter list), the linear layers an
// adapter can target, and the hyper-parameters activations scale with. `--model` may name a
// folder holding only config.json, or one of the seed's Hub ids whose published config is built
// in, so plans can be made before anything is downloaded.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/arch_registry.h"
#include "model/decoder_config.h"
#include "model/layer_spec.h"

namespace llmcp::plan {

struct LinearShape {
  std::string module;  // HF module name, "model.layers.3.mlp.down_proj"
  int64_t out = 0, in = 0;
  bool quantizable = false;  // a decoder layer's linear weight (not the LM head)
};

struct ModelShape {
  std::string source;  // the folder, or "built-in: <hub id>"
  std::string name;    // folder name or hub id
  model::DecoderConfig config;
  model::WeightNames names;
  int64_t parameters = 0;           // every tensor, tied embeddings once
  int64_t quantizable_parameters = 0;
  int64_t largest_tensor = 0;       // elements of the biggest single tensor
  std::vector<LinearShape> linears;  // decoder linears in model order, then the LM head (untied)
  std::vector<model::LayerModule> layer;  // every decoder layer's modules (model/layer_spec.h)
  std::vector<std::pair<std::string, int64_t>> tensors;  // name -> elements, every parameter
};

// A folder with config.json, or a Hub id of the built-in list (known_model_ids()).
ModelShape load_model_shape(const std::string& model);
ModelShape model_shape_from_config(const nlohmann::json& config_json, const std::string& name,
                                   const std::string& source);

// The seed's models whose published config.json is compiled in: id -> config.json text.
std::vector<std::string> known_model_ids();
const nlohmann::json* known_model_config(const std::string& id);

}  // namespace llmcp::plan

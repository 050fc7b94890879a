// bitsandbytes on disk: the `quantization_config` of config.json (transformers'
// BitsAndBytesConfig keys) and the tensor keys of a quantized linear module:
//   4-bit: <m>.weight (uint8 [(n+1)/2, 1]), <m>.weight.absmax, <m>.weight.quant_map,
//          <m>.weight.nested_absmax, <m>.weight.nested_quant_map (double quantization),
//          <m>.weight.quant_state.bitsandbytes__nf4|fp4 (UTF-8 JSON in a uint8 tensor)
//   8-bit: <m>.weight (int8 [out, in]), <m>.SCB (fp32 [out]), <m>.weight_format (uint8, 0 = row)
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "quant/bnb_keys.h"
#include "quant/quantized_weight.h"

namespace llmcp::quant {

// What to quantize and how, from transformers' BitsAndBytesConfig keys (also the trainer's keys).
struct BnbConfig {
  bool load_in_4bit = false;
  bool load_in_8bit = false;
  QuantType quant_type = QuantType::kFp4;  // transformers' default
  at::ScalarType compute_dtype = at::kFloat;
  bool double_quant = false;
  int64_t blocksize = 64;
  // Modules kept dense (llm_int8_skip_modules); the LM head always is, as in transformers.
  std::vector<std::string> skip_modules;
  double int8_threshold = 6.0;  // llm_int8_threshold

  bool enabled() const { return load_in_4bit || load_in_8bit; }
  QuantSpec spec() const;
  // Unknown keys and bad values are errors naming the key.
  static BnbConfig from_json(const nlohmann::json& j);
  static BnbConfig from_keys(const BnbKeys& k);
  nlohmann::json to_json() const;  // as config.json's "quantization_config"
  // Whether `module` (an HF module name) is kept dense.
  bool skips(const std::string& module, const std::string& lm_head) const;
};

at::ScalarType parse_compute_dtype(const std::string& name);  // float32|bfloat16|float16 (torch. prefix ok)

using NamedTensorList = std::vector<std::pair<std::string, at::Tensor>>;
// The module's tensors under bitsandbytes' keys (CPU tensors).
void append_bnb_tensors(const std::string& module, const QuantizedWeight& w, NamedTensorList& out);

// Tensor by key, undefined when the checkpoint lacks it.
using TensorLookup = std::function<at::Tensor(const std::string&)>;
// The module's quantized weight when the checkpoint stores it quantized, else nullptr. Every
// inconsistency (missing constants, sizes, unknown quant type) is an error naming the module.
std::shared_ptr<QuantizedWeight> read_bnb_weight(const std::string& module, const TensorLookup& get,
                                                 at::ScalarType compute_dtype);
// True for the keys read_bnb_weight consumes besides "<module>.weight".
bool is_bnb_state_key(const std::string& key);

}  // namespace llmcp::quant

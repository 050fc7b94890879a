// transformers' BitsAndBytesConfig keys, read and checked without torch: the training config
// validates them before anything is loaded (so `train --dry-run` and MCP start_training refuse
// what the loader would), and BnbConfig turns the result into kernel settings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "quant/codebook.h"

namespace llmcp::quant {

struct BnbKeys {
  bool load_in_4bit = false;
  bool load_in_8bit = false;
  QuantType quant_type = QuantType::kFp4;  // transformers' default
  bool quant_type_given = false;
  std::string compute_dtype = "float32";  // float32 | bfloat16 | float16
  bool double_quant = false;
  int64_t blocksize = 64;
  std::vector<std::string> skip_modules;  // llm_int8_skip_modules
  double int8_threshold = 6.0;             // llm_int8_threshold (LLM.int8()'s outlier magnitude; 0 = none)

  // Every key's type, value and the cross-key rules; unknown keys are errors naming the known ones.
  static BnbKeys from_json(const nlohmann::json& j);
};

// "float32" | "bfloat16" | "float16" for their spellings (fp32, bf16, half, "torch." prefix).
std::string canonical_compute_dtype(const std::string& name);

}  // namespace llmcp::quant

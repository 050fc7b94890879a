// BitsAndBytesConfig keys; see bnb_keys.h.
#include "quant/bnb_keys.h"

#include "core/error.h"
#include "quant/blockwise.h"

namespace llmcp::quant {

std::string canonical_compute_dtype(const std::string& name) {
  const std::string n = name.rfind("torch.", 0) == 0 ? name.substr(6) : name;
  if (n == "float32" || n == "fp32" || n == "float") return "float32";
  if (n == "bfloat16" || n == "bf16") return "bfloat16";
  if (n == "float16" || n == "fp16" || n == "half") return "float16";
  LLMCP_FAIL(kInvalidArgument, "bnb_4bit_compute_dtype '", name, "' is unknown; choose float32, bfloat16 or float16");
}

BnbKeys BnbKeys::from_json(const nlohmann::json& j) {
  LLMCP_CHECK(j.is_object(), kInvalidArgument, "quantization_config must be an object");
  BnbKeys c;
  auto boolean = [&](const std::string& k, const nlohmann::json& v) {
    LLMCP_CHECK(v.is_boolean(), kInvalidArgument, "quantization key '", k, "' must be true or false, got ", v.dump());
    return v.get<bool>();
  };
  auto string = [&](const std::string& k, const nlohmann::json& v) {
    LLMCP_CHECK(v.is_string(), kInvalidArgument, "quantization key '", k, "' must be a string, got ", v.dump());
    return v.get<std::string>();
  };
  for (const auto& [k, v] : j.items()) {
    if (v.is_null()) continue;
    if (k == "load_in_4bit" || k == "_load_in_4bit") c.load_in_4bit = boolean(k, v);
    else if (k == "load_in_8bit" || k == "_load_in_8bit") c.load_in_8bit = boolean(k, v);
    else if (k == "bnb_4bit_use_double_quant") c.double_quant = boolean(k, v);
    else if (k == "bnb_4bit_quant_type") {
      c.quant_type = parse_quant_type(string(k, v));
      c.quant_type_given = true;
    } else if (k == "bnb_4bit_compute_dtype") {
      c.compute_dtype = canonical_compute_dtype(string(k, v));
    } else if (k == "bnb_4bit_blocksize") {
      LLMCP_CHECK(v.is_number_integer(), kInvalidArgument, "bnb_4bit_blocksize must be an integer, got ", v.dump());
      c.blocksize = v.get<int64_t>();
      check_blocksize(c.blocksize);
    } else if (k == "bnb_4bit_quant_storage") {
      LLMCP_CHECK(v == "uint8", kUnsupported, "bnb_4bit_quant_storage '", v.dump(), "' is not supported; use uint8");
    } else if (k == "quant_method") {
      LLMCP_CHECK(v == "bitsandbytes", kUnsupported, "quant_method ", v.dump(),
                  " is not supported; only bitsandbytes checkpoints load");
    } else if (k == "llm_int8_skip_modules") {
      LLMCP_CHECK(v.is_array(), kInvalidArgument, "llm_int8_skip_modules must be a list of module names");
      for (const auto& m : v) c.skip_modules.push_back(string(k, m));
    } else if (k == "llm_int8_has_fp16_weight") {
      LLMCP_CHECK(!boolean(k, v), kUnsupported, "llm_int8_has_fp16_weight: true is not supported (8-bit bases are frozen)");
    } else if (k == "llm_int8_threshold") {
      LLMCP_CHECK(v.is_number() && v.get<double>() >= 0, kInvalidArgument,
                  "llm_int8_threshold must be a number >= 0 (LLM.int8()'s outlier magnitude; 0 turns the split off), got ",
                  v.dump());
      c.int8_threshold = v.get<double>();
    } else if (k == "llm_int8_enable_fp32_cpu_offload") {
      // Accepted as written: there is no offloading here.
    } else {
      LLMCP_FAIL(kInvalidArgument, "unknown quantization key '", k,
                 "'; known: load_in_4bit, load_in_8bit, bnb_4bit_quant_type, bnb_4bit_compute_dtype, "
                 "bnb_4bit_use_double_quant, bnb_4bit_quant_storage, bnb_4bit_blocksize, llm_int8_skip_modules, "
                 "llm_int8_threshold, llm_int8_has_fp16_weight, llm_int8_enable_fp32_cpu_offload, quant_method");
    }
  }
  LLMCP_CHECK(!(c.load_in_4bit && c.load_in_8bit), kInvalidArgument,
              "load_in_4bit and load_in_8bit are both true; choose one");
  return c;
}

}  // namespace llmcp::quant

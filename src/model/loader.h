// Loading a Hugging Face model folder into the generic decoder: config.json through the
// architecture registry, weights from (sharded) safetensors, converted to the wanted dtype/device.
#pragma once

#include <ATen/ATen.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "model/decoder.h"
#include "quant/bnb_format.h"

namespace llmcp::model {

using ShardFn = std::function<std::shared_ptr<const BaseShard>(const std::string& module, const WholeBase& whole)>;

struct LoadOptions {
  std::string dtype = "auto";  // auto (config's torch_dtype; fp16 -> bf16 on CPU) | float32 | bfloat16 | float16
  std::string device = "cpu";  // cpu | cuda | cuda:N | auto
  // load_in_4bit / load_in_8bit: quantize the decoder layers' linear weights while loading, one
  // tensor at a time (the dense model is never held). A folder saved quantized (bitsandbytes'
  // keys) loads quantized whatever this says.
  quant::BnbConfig quant;
  // Training sharded across processes: each decoder-layer linear weight (and an untied LM head),
  // as read (and quantized), is handed over and only what this returns is kept.
  ShardFn shard;
};

// The decoder layers' linear modules (the ones a bitsandbytes config quantizes; the LM head is not).
std::vector<std::string> quantizable_modules(const DecoderConfig& cfg, const WeightNames& names);

std::unique_ptr<Decoder> load_decoder(const std::filesystem::path& dir, const LoadOptions& opts = {});

// "float32"/"fp32"/"bfloat16"/"bf16"/"float16"/"fp16" -> scalar type; error lists the choices.
at::ScalarType parse_dtype(const std::string& name);
std::string dtype_to_string(at::ScalarType t);
// The compute dtype: `requested` ("auto" = config.json's torch_dtype), except that fp16 is not
// computed on CPU (auto falls back to bf16; an explicit float16 is an error).
at::ScalarType resolve_dtype(const std::string& requested, const std::string& config_dtype, at::Device device);

}  // namespace llmcp::model

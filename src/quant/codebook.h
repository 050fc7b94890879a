// The code books of bitsandbytes' formats, value for value: NF4 and FP4 (4-bit, index -> value,
// the `quant_map` of a checkpoint) and the signed 8-bit dynamic code that double quantization
// uses for the absmax constants (`nested_quant_map`). Torch-free.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace llmcp::quant {

enum class QuantType { kNf4, kFp4 };

// "nf4" | "fp4" (case-insensitive); the error names the choices.
QuantType parse_quant_type(const std::string& name);
const char* quant_type_name(QuantType t);

// Index -> value in [-1, 1], in bitsandbytes' index order (FP4 is not sorted by value).
const std::array<float, 16>& code4(QuantType t);

// A value already divided by its block's absmax (in [-1, 1]) -> its 4-bit index: the nearest
// code value, a value exactly between two codes going to the lower one. FP4: the sign bit is set
// for negative inputs, so a tiny negative value becomes -0 (index 8), as bitsandbytes' kernel does.
uint8_t quantize4(float scaled, QuantType t);

// create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8), sorted: 256 values.
const std::array<float, 256>& dynamic_code();
// Nearest index of a sorted 256-entry code (ties to the lower index).
uint8_t quantize8(float scaled, const std::array<float, 256>& code);

}  // namespace llmcp::quant

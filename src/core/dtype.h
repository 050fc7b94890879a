// Element types as they appear in files (safetensors, HF configs), independent of torch so
// the file parsers can be built and fuzzed without it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace llmcp::core {

enum class DType { kF64, kF32, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool };

size_t dtype_size(DType t);
// Safetensors spelling: "F32", "BF16", ...
std::string_view dtype_name(DType t);
std::optional<DType> dtype_from_name(std::string_view name);

}  // namespace llmcp::core

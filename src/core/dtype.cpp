// Sizes and safetensors names of the element types.
#include "core/dtype.h"

#include <array>
#include <utility>

namespace llmcp::core {
namespace {
struct Entry {
  DType type;
  std::string_view name;
  size_t size;
};
constexpr std::array<Entry, 10> kTable{{
    {DType::kF64, "F64", 8}, {DType::kF32, "F32", 4}, {DType::kF16, "F16", 2},
    {DType::kBF16, "BF16", 2}, {DType::kI64, "I64", 8}, {DType::kI32, "I32", 4},
    {DType::kI16, "I16", 2}, {DType::kI8, "I8", 1}, {DType::kU8, "U8", 1},
    {DType::kBool, "BOOL", 1},
}};
}  // namespace

size_t dtype_size(DType t) {
  for (const auto& e : kTable) if (e.type == t) return e.size;
  return 0;
}

std::string_view dtype_name(DType t) {
  for (const auto& e : kTable) if (e.type == t) return e.name;
  return "?";
}

std::optional<DType> dtype_from_name(std::string_view name) {
  for (const auto& e : kTable) if (e.name == name) return e.type;
  return std::nullopt;
}

}  // namespace llmcp::core

// dtype mapping between the file layer and ATen, and the copy out of a mapped file.
#include "model/tensor_view.h"

#include <cstdint>
#include <cstring>

#include "core/error.h"

namespace llmcp::model {

at::ScalarType to_scalar_type(core::DType t) {
  switch (t) {
    case core::DType::kF64: return at::kDouble;
    case core::DType::kF32: return at::kFloat;
    case core::DType::kF16: return at::kHalf;
    case core::DType::kBF16: return at::kBFloat16;
    case core::DType::kI64: return at::kLong;
    case core::DType::kI32: return at::kInt;
    case core::DType::kI16: return at::kShort;
    case core::DType::kI8: return at::kChar;
    case core::DType::kU8: return at::kByte;
    case core::DType::kBool: return at::kBool;
  }
  LLMCP_FAIL(kInternal, "unhandled dtype");
}

core::DType from_scalar_type(at::ScalarType t) {
  switch (t) {
    case at::kDouble: return core::DType::kF64;
    case at::kFloat: return core::DType::kF32;
    case at::kHalf: return core::DType::kF16;
    case at::kBFloat16: return core::DType::kBF16;
    case at::kLong: return core::DType::kI64;
    case at::kInt: return core::DType::kI32;
    case at::kShort: return core::DType::kI16;
    case at::kChar: return core::DType::kI8;
    case at::kByte: return core::DType::kU8;
    case at::kBool: return core::DType::kBool;
    default: LLMCP_FAIL(kUnsupported, "tensor dtype ", t, " cannot be stored in safetensors");
  }
}

at::Tensor tensor_from_view(const io::TensorView& v, at::ScalarType dtype, at::Device device) {
  const auto file_type = to_scalar_type(v.dtype);
  const size_t elem = core::dtype_size(v.dtype);
  if (reinterpret_cast<uintptr_t>(v.data) % elem != 0) {
    // The format does not promise aligned offsets: copy the bytes into an aligned tensor first.
    auto aligned = at::empty(v.shape, at::TensorOptions().dtype(file_type));
    std::memcpy(aligned.data_ptr(), v.data, v.nbytes);
    return aligned.to(at::TensorOptions().dtype(dtype).device(device), false, /*copy=*/true);
  }
  auto src = at::from_blob(const_cast<std::byte*>(v.data), v.shape, at::TensorOptions().dtype(file_type));
  // .to() with copy=true always materialises a private tensor, even when nothing changes.
  return src.to(at::TensorOptions().dtype(dtype).device(device), /*non_blocking=*/false, /*copy=*/true);
}

void save_tensors(const std::filesystem::path& path, const NamedTensors& tensors, const io::Metadata& metadata) {
  std::vector<io::TensorSpec> specs;
  for (const auto& [name, t] : tensors) specs.push_back({name, from_scalar_type(t.scalar_type()), t.sizes().vec()});
  io::SafetensorsWriter writer(path, specs, metadata);
  for (const auto& [name, t] : tensors) {
    auto c = t.detach().to(at::kCPU).contiguous();
    writer.write(name, c.data_ptr(), c.nbytes());
  }
  writer.commit();
}

}  // namespace llmcp::model

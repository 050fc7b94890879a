// Bridge from io's torch-free TensorView (a typed view into a mapped file) to at::Tensor.
#pragma once

#include <ATen/ATen.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/dtype.h"
#include "io/safetensors.h"

namespace llmcp::model {

at::ScalarType to_scalar_type(core::DType t);
core::DType from_scalar_type(at::ScalarType t);
// Copies the view into a new tensor of `dtype` on `device` (the file's pages are not kept).
at::Tensor tensor_from_view(const io::TensorView& v, at::ScalarType dtype, at::Device device);

// Writes named tensors (any device/dtype, stored as they are after moving to CPU) to one
// safetensors file, atomically, in the given order.
using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;
void save_tensors(const std::filesystem::path& path, const NamedTensors& tensors, const io::Metadata& metadata = {});

}  // namespace llmcp::model

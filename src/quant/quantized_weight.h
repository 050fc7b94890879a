// A linear layer's frozen base weight in a quantized form (bitsandbytes' formats): 4-bit NF4/FP4
// blocks with fp32 or double-quantized absmax, or row-wise int8. The dense weight is never kept:
// callers get row ranges dequantized on demand (qlinear.h multiplies tile by tile).
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "quant/codebook.h"

namespace llmcp::quant {

enum class WeightFormat { kNf4, kFp4, kInt8 };
const char* format_name(WeightFormat f);

struct QuantSpec {
  WeightFormat format = WeightFormat::kNf4;
  int64_t blocksize = 64;       // 4-bit only
  bool double_quant = false;    // 4-bit only: quantize the absmax constants too
  at::ScalarType compute_dtype = at::kFloat;
  double int8_threshold = 6.0;  // int8 only: LLM.int8()'s outlier magnitude (llm_int8_threshold)
};

struct QuantizedWeight {
  WeightFormat format = WeightFormat::kNf4;
  int64_t out = 0, in = 0;
  int64_t blocksize = 64;
  at::ScalarType source_dtype = at::kFloat;   // the dense weight's dtype (quant_state "dtype")
  at::ScalarType compute_dtype = at::kFloat;  // inputs are cast to it; products come back in the input's dtype
  at::Tensor data;     // uint8 [(n+1)/2, 1] packed nibbles | int8 [out, in]
  at::Tensor absmax;   // fp32 [blocks] | uint8 [blocks] when nested | fp32 [out] row absmax (int8: SCB)
  at::Tensor code;     // fp32 [16] (4-bit quant_map)
  bool nested = false;
  at::Tensor nested_absmax;  // fp32 [ceil(blocks / nested_blocksize)]
  at::Tensor nested_code;    // fp32 [256]
  float offset = 0;
  int64_t nested_blocksize = 256;
  // int8 only: inference products follow LLM.int8() (qlinear.cpp); inputs with a column whose
  // magnitude reaches this go through that column in full precision. 0: no outlier split.
  double int8_threshold = 6.0;

  // w [out, in] (any float dtype, any device) -> quantized on the CPU, tensors on w's device.
  static std::shared_ptr<QuantizedWeight> quantize(const at::Tensor& w, const QuantSpec& spec);

  QuantType quant_type() const { return format == WeightFormat::kFp4 ? QuantType::kFp4 : QuantType::kNf4; }
  bool is_4bit() const { return format != WeightFormat::kInt8; }
  at::Device device() const { return data.device(); }
  // Rows [r0, r1) dense, [r1 - r0, in], in `dtype`, on the weight's device.
  at::Tensor dequantize_rows(int64_t r0, int64_t r1, at::ScalarType dtype) const;
  at::Tensor dequantize(at::ScalarType dtype) const { return dequantize_rows(0, out, dtype); }
  // The same values by plain ATen ops (code lookup by index, times the block scale): the path
  // for devices without a kernel here, and the reference the CPU kernels are tested against.
  at::Tensor dequantize_rows_aten(int64_t r0, int64_t r1, at::ScalarType dtype) const;
  // fp32 scales of 4-bit blocks [b0, b1) (undoing double quantization), on the CPU.
  std::vector<float> block_scales(int64_t b0, int64_t b1) const;
  // Bytes held (data + constants).
  int64_t nbytes() const;
  // Checks internal consistency (sizes of data, absmax, code); `what` names the weight in errors.
  void validate(const std::string& what) const;
  std::shared_ptr<QuantizedWeight> to(at::Device device) const;
};

}  // namespace llmcp::quant

// CUDA dequantization of 4-bit bitsandbytes weights (torch-free C interface, so nvcc compiles it
// without libtorch's headers). Built into llmcp_quant when LLMCP_CUDA=ON; QuantizedWeight calls it
// for CUDA tensors. The ATen formulation (QuantizedWeight::dequantize_rows_aten) is its reference.
#pragma once

#include <cstdint>

namespace llmcp::quant::cuda {

struct Dequant4Args {
  const uint8_t* packed;         // [(n+1)/2] nibbles, first value high
  const float* absmax;           // fp32 [blocks], or null when nested
  const uint8_t* qabsmax;        // nested: uint8 [blocks]
  const float* nested_absmax;    // nested: fp32 [blocks / nested_blocksize]
  const float* nested_code;      // nested: fp32 [256]
  float offset;                  // nested: added back
  int64_t nested_blocksize;
  const float* code;             // fp32 [16]
  int64_t begin, end;            // values [begin, end) of the flattened tensor
  int64_t blocksize;
};

enum class OutType { kF32 = 0, kBF16 = 1, kF16 = 2 };

// Writes end - begin values to `out` on `stream` (a cudaStream_t); returns a cudaError_t as int.
int dequant4(const Dequant4Args& a, void* out, OutType type, void* stream);

}  // namespace llmcp::quant::cuda

// The hot loops of 4-bit weights on CPU, torch-free: dequantize a range of a packed tensor into
// fp32 or bf16, and a fused matrix-vector product for a few input rows (decoding) that reads the
// packed bytes directly. Each has an AVX-512, an AVX2+FMA and a scalar body, picked once at run
// time from what the CPU supports (LLMCP_QKERNEL=scalar|avx2|avx512 forces one, for tests).
#pragma once

#include <cstdint>
#include <string>

namespace llmcp::quant {

// absmax[b - block0] is the scale of block b (blocks of `blocksize` values of the flattened tensor).
struct Packed4 {
  const uint8_t* packed;
  const float* absmax;
  int64_t block0;
  int64_t blocksize;
  const float* lut;  // 16 code values
};

// Values [begin, end) of the flattened tensor.
void dequant4_f32(const Packed4& w, int64_t begin, int64_t end, float* out);
void dequant4_bf16(const Packed4& w, int64_t begin, int64_t end, uint16_t* out);

// y[m, r] = sum_c x[m, c] * W[row0 + r, c] for m < M, r < rows; W has `in` columns; x is [M, in]
// contiguous; y rows are `ldy` apart.
void gemv4_f32(const Packed4& w, int64_t in, int64_t row0, int64_t rows, const float* x, int64_t M, float* y,
               int64_t ldy);

// "avx512", "avx2" or "scalar": the body in use.
std::string qkernel_isa();
// Use another body from now on (tests and benchmarks compare them); one the CPU lacks is an error.
void set_qkernel_isa(const std::string& isa);

}  // namespace llmcp::quant

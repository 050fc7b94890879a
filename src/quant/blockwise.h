// Blockwise quantization over plain float buffers, in bitsandbytes' layout (torch-free):
//  - 4-bit: blocks of `blocksize` consecutive values of the flattened (row-major) tensor, each
//    scaled by its absmax (fp32) and mapped to the nearest code; two indices per byte, the first
//    value in the high nibble; an odd count pads the last low nibble with 0.
//  - 8-bit blockwise with a 256-entry code (double quantization of the absmax constants:
//    offset = mean(absmax), (absmax - offset) in blocks of 256 with the dynamic code).
//  - 8-bit row-wise int8 (LLM.int8() weights, `load_in_8bit`): q = round(w * 127 / rowmax).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "quant/codebook.h"

namespace llmcp::quant {

inline int64_t num_blocks(int64_t n, int64_t blocksize) { return (n + blocksize - 1) / blocksize; }
// Blocksizes bitsandbytes accepts for 4-bit: 32, 64, ..., 4096. The error names them.
void check_blocksize(int64_t blocksize);

// x[n] -> packed[(n+1)/2], absmax[num_blocks(n, blocksize)]. Non-finite input is an error.
void quantize_4bit(const float* x, int64_t n, int64_t blocksize, QuantType type, uint8_t* packed, float* absmax);
// Values [begin, end) of the flattened tensor (block-aligned begin not required) -> out[end-begin].
void dequantize_4bit(const uint8_t* packed, const float* absmax, int64_t begin, int64_t end, int64_t blocksize,
                     QuantType type, float* out);

void quantize_blockwise8(const float* x, int64_t n, int64_t blocksize, const std::array<float, 256>& code,
                         uint8_t* q, float* absmax);
void dequantize_blockwise8(const uint8_t* q, const float* absmax, int64_t n, int64_t blocksize,
                           const std::array<float, 256>& code, float* out);

// Double quantization of 4-bit absmax constants (bitsandbytes' compress_statistics).
struct NestedAbsmax {
  std::vector<uint8_t> q;        // one byte per absmax
  std::vector<float> absmax;     // one per block of `blocksize` (256)
  float offset = 0;              // mean of the original absmax
  int64_t blocksize = 256;
};
NestedAbsmax double_quantize(const std::vector<float>& absmax, int64_t blocksize = 256);
// absmax = code[q] * nested_absmax + offset (fp32), with the given code (the file's nested_quant_map).
std::vector<float> double_dequantize(const NestedAbsmax& nested, const std::array<float, 256>& code);

// Row-wise int8: w [rows, cols] -> q [rows, cols], scb [rows] (the row absmax). Dequantized by the
// int8 QuantizedWeight (quant/quantized_weight.cpp) on the fly.
void quantize_int8_rows(const float* w, int64_t rows, int64_t cols, int8_t* q, float* scb);

}  // namespace llmcp::quant

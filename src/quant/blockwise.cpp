// Scalar reference implementations of the blockwise codecs. Quantization runs once per weight
// at load time, so it stays simple; the hot dequantization for matmuls is in qkernels.cpp.
#include "quant/blockwise.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace llmcp::quant {
namespace {

// The block's absmax and the multiplier that scales it into [-1, 1]: full blocks multiply by
// the fp32 reciprocal, the partial tail block divides (as bitsandbytes does), and an all-zero
// block scales by 1e38 (its values stay 0).
struct BlockScale {
  float absmax;
  bool divide;
  float factor;
  float scale(float v) const {
    const float s = divide ? v / factor : v * factor;
    return std::clamp(s, -1.0f, 1.0f);
  }
};

BlockScale block_scale(const float* x, int64_t len, bool full) {
  float m = 0.0f;
  for (int64_t i = 0; i < len; ++i) {
    LLMCP_CHECK(std::isfinite(x[i]), kInvalidArgument, "cannot quantize a non-finite value (", x[i],
                ") at index ", i, " of a block; the weights are corrupt");
    m = std::max(m, std::fabs(x[i]));
  }
  const float clamped = std::max(m, 1e-38f);
  return full ? BlockScale{m, false, 1.0f / clamped} : BlockScale{m, true, clamped};
}

}  // namespace

void check_blocksize(int64_t blocksize) {
  LLMCP_CHECK(blocksize >= 32 && blocksize <= 4096 && (blocksize & (blocksize - 1)) == 0, kInvalidArgument,
              "blocksize ", blocksize, " is not supported; choose 32, 64, 128, 256, 512, 1024, 2048 or 4096");
}

void quantize_4bit(const float* x, int64_t n, int64_t blocksize, QuantType type, uint8_t* packed, float* absmax) {
  check_blocksize(blocksize);
  std::fill(packed, packed + (n + 1) / 2, uint8_t{0});
  for (int64_t b = 0, start = 0; start < n; ++b, start += blocksize) {
    const int64_t len = std::min(blocksize, n - start);
    const auto s = block_scale(x + start, len, len == blocksize);
    absmax[b] = s.absmax;
    for (int64_t i = start; i < start + len; ++i) {
      const uint8_t q = quantize4(s.scale(x[i]), type);
      packed[i / 2] |= (i % 2 == 0) ? static_cast<uint8_t>(q << 4) : q;
    }
  }
  // An odd count leaves a low nibble past the end: bitsandbytes fills it with the code of 0.0.
  if (n % 2 == 1) packed[n / 2] |= quantize4(0.0f, type);
}

void dequantize_4bit(const uint8_t* packed, const float* absmax, int64_t begin, int64_t end, int64_t blocksize,
                     QuantType type, float* out) {
  const auto& code = code4(type);
  for (int64_t i = begin; i < end; ++i) {
    const uint8_t byte = packed[i / 2];
    const uint8_t q = (i % 2 == 0) ? (byte >> 4) : (byte & 0xF);
    out[i - begin] = code[q] * absmax[i / blocksize];
  }
}

void quantize_blockwise8(const float* x, int64_t n, int64_t blocksize, const std::array<float, 256>& code,
                         uint8_t* q, float* absmax) {
  LLMCP_CHECK(blocksize > 0, kInvalidArgument, "blocksize must be positive");
  for (int64_t b = 0, start = 0; start < n; ++b, start += blocksize) {
    const int64_t len = std::min(blocksize, n - start);
    const auto s = block_scale(x + start, len, len == blocksize);
    absmax[b] = s.absmax;
    for (int64_t i = start; i < start + len; ++i) q[i] = quantize8(s.scale(x[i]), code);
  }
}

void dequantize_blockwise8(const uint8_t* q, const float* absmax, int64_t n, int64_t blocksize,
                           const std::array<float, 256>& code, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = code[q[i]] * absmax[i / blocksize];
}

NestedAbsmax double_quantize(const std::vector<float>& absmax, int64_t blocksize) {
  NestedAbsmax r;
  r.blocksize = blocksize;
  const int64_t n = static_cast<int64_t>(absmax.size());
  double sum = 0;
  for (float a : absmax) sum += a;
  r.offset = n ? static_cast<float>(sum / static_cast<double>(n)) : 0.0f;
  std::vector<float> centred(absmax.size());
  for (int64_t i = 0; i < n; ++i) centred[i] = absmax[i] - r.offset;
  r.q.resize(absmax.size());
  r.absmax.resize(static_cast<size_t>(num_blocks(n, blocksize)));
  quantize_blockwise8(centred.data(), n, blocksize, dynamic_code(), r.q.data(), r.absmax.data());
  return r;
}

std::vector<float> double_dequantize(const NestedAbsmax& nested, const std::array<float, 256>& code) {
  const int64_t n = static_cast<int64_t>(nested.q.size());
  LLMCP_CHECK(static_cast<int64_t>(nested.absmax.size()) == num_blocks(n, nested.blocksize), kShapeMismatch,
              "nested_absmax has ", nested.absmax.size(), " values but ", n, " absmax in blocks of ",
              nested.blocksize, " need ", num_blocks(n, nested.blocksize));
  std::vector<float> out(nested.q.size());
  dequantize_blockwise8(nested.q.data(), nested.absmax.data(), n, nested.blocksize, code, out.data());
  for (float& v : out) v += nested.offset;
  return out;
}

void quantize_int8_rows(const float* w, int64_t rows, int64_t cols, int8_t* q, float* scb) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = w + r * cols;
    float m = 0;
    for (int64_t c = 0; c < cols; ++c) {
      LLMCP_CHECK(std::isfinite(row[c]), kInvalidArgument, "cannot quantize a non-finite value (", row[c],
                  ") in row ", r, "; the weights are corrupt");
      m = std::max(m, std::fabs(row[c]));
    }
    scb[r] = m;
    const float k = m > 0 ? 127.0f / m : 0.0f;  // an all-zero row stays zero
    for (int64_t c = 0; c < cols; ++c) q[r * cols + c] = static_cast<int8_t>(std::nearbyint(row[c] * k));
  }
}

}  // namespace llmcp::quant

// One thread per output value: fetch its byte, pick the nibble, look the code up in shared
// memory, scale by the block's absmax (rebuilt from the nested form when double-quantized).
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "quant/cuda/dequant4.h"

namespace llmcp::quant::cuda {
namespace {

template <typename T>
__device__ inline T convert(float v);
template <>
__device__ inline float convert<float>(float v) { return v; }
template <>
__device__ inline __nv_bfloat16 convert<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }
template <>
__device__ inline __half convert<__half>(float v) { return __float2half_rn(v); }

template <typename T>
__global__ void dequant4_kernel(Dequant4Args a, T* out) {
  __shared__ float code[16];
  if (threadIdx.x < 16) code[threadIdx.x] = a.code[threadIdx.x];
  __syncthreads();
  const int64_t n = a.end - a.begin;
  for (int64_t k = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; k < n;
       k += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t i = a.begin + k;
    const uint8_t byte = a.packed[i / 2];
    const uint8_t q = (i % 2 == 0) ? (byte >> 4) : (byte & 0xF);
    const int64_t b = i / a.blocksize;
    const float scale = a.absmax ? a.absmax[b]
                                 : a.nested_code[a.qabsmax[b]] * a.nested_absmax[b / a.nested_blocksize] + a.offset;
    out[k] = convert<T>(code[q] * scale);
  }
}

template <typename T>
int launch(const Dequant4Args& a, void* out, cudaStream_t s) {
  const int64_t n = a.end - a.begin;
  if (n <= 0) return 0;
  const int threads = 256;
  const int64_t want = (n + threads - 1) / threads;
  const int blocks = static_cast<int>(want < 65535 ? want : 65535);
  dequant4_kernel<T><<<blocks, threads, 0, s>>>(a, static_cast<T*>(out));
  return static_cast<int>(cudaGetLastError());
}

}  // namespace

int dequant4(const Dequant4Args& a, void* out, OutType type, void* stream) {
  auto s = static_cast<cudaStream_t>(stream);
  switch (type) {
    case OutType::kBF16: return launch<__nv_bfloat16>(a, out, s);
    case OutType::kF16: return launch<__half>(a, out, s);
    default: return launch<float>(a, out, s);
  }
}

}  // namespace llmcp::quant::cuda

// Quantizing a dense weight and getting rows of it back. CPU rows go through the SIMD kernels;
// other devices use the ATen formulation (code lookup by index, times the block scale).
#include "quant/quantized_weight.h"

#include <ATen/Parallel.h>

#include "core/error.h"
#include "quant/blockwise.h"
#include "quant/qkernels.h"

#ifdef LLMCP_CUDA
#include <ATen/cuda/CUDAContext.h>

#include "quant/cuda/dequant4.h"
#endif

namespace llmcp::quant {
namespace {

at::Tensor cpu_f32(const at::Tensor& t) { return t.to(at::kCPU, at::kFloat).contiguous(); }

at::Tensor from_vector(const std::vector<float>& v) {
  return at::from_blob(const_cast<float*>(v.data()), {static_cast<int64_t>(v.size())}, at::kFloat).clone();
}

}  // namespace

const char* format_name(WeightFormat f) {
  switch (f) {
    case WeightFormat::kNf4: return "nf4";
    case WeightFormat::kFp4: return "fp4";
    default: return "int8";
  }
}

std::shared_ptr<QuantizedWeight> QuantizedWeight::quantize(const at::Tensor& w, const QuantSpec& spec) {
  LLMCP_CHECK(w.dim() == 2, kShapeMismatch, "only 2-D weights are quantized, got shape ", w.sizes());
  auto q = std::make_shared<QuantizedWeight>();
  q->format = spec.format;
  q->out = w.size(0);
  q->in = w.size(1);
  q->source_dtype = w.scalar_type();
  q->compute_dtype = spec.compute_dtype;
  q->int8_threshold = spec.int8_threshold;
  auto x = cpu_f32(w);
  const int64_t n = x.numel();
  if (spec.format == WeightFormat::kInt8) {
    q->data = at::empty({q->out, q->in}, at::kChar);
    q->absmax = at::empty({q->out}, at::kFloat);
    quantize_int8_rows(x.data_ptr<float>(), q->out, q->in, q->data.data_ptr<int8_t>(), q->absmax.data_ptr<float>());
    return q->to(w.device());
  }
  check_blocksize(spec.blocksize);
  q->blocksize = spec.blocksize;
  const auto& c = code4(q->quant_type());
  q->code = at::from_blob(const_cast<float*>(c.data()), {16}, at::kFloat).clone();
  q->data = at::empty({(n + 1) / 2, 1}, at::kByte);
  std::vector<float> absmax(static_cast<size_t>(num_blocks(n, spec.blocksize)));
  quantize_4bit(x.data_ptr<float>(), n, spec.blocksize, q->quant_type(), q->data.data_ptr<uint8_t>(), absmax.data());
  if (spec.double_quant) {
    auto nested = double_quantize(absmax);
    q->nested = true;
    q->absmax = at::empty({static_cast<int64_t>(nested.q.size())}, at::kByte);
    std::copy(nested.q.begin(), nested.q.end(), q->absmax.data_ptr<uint8_t>());
    q->nested_absmax = from_vector(nested.absmax);
    const auto& dc = dynamic_code();
    q->nested_code = at::from_blob(const_cast<float*>(dc.data()), {256}, at::kFloat).clone();
    q->offset = nested.offset;
    q->nested_blocksize = nested.blocksize;
  } else {
    q->absmax = from_vector(absmax);
  }
  return q->to(w.device());
}

std::shared_ptr<QuantizedWeight> QuantizedWeight::to(at::Device device) const {
  auto q = std::make_shared<QuantizedWeight>(*this);
  for (at::Tensor* t : {&q->data, &q->absmax, &q->code, &q->nested_absmax, &q->nested_code})
    if (t->defined()) *t = t->to(device);
  return q;
}

std::vector<float> QuantizedWeight::block_scales(int64_t b0, int64_t b1) const {
  std::vector<float> out(static_cast<size_t>(b1 - b0));
  if (!nested) {
    auto a = absmax.device().is_cpu() ? absmax : absmax.to(at::kCPU);
    std::copy(a.data_ptr<float>() + b0, a.data_ptr<float>() + b1, out.begin());
    return out;
  }
  auto qa = absmax.device().is_cpu() ? absmax : absmax.to(at::kCPU);
  auto na = nested_absmax.device().is_cpu() ? nested_absmax : nested_absmax.to(at::kCPU);
  auto nc = nested_code.device().is_cpu() ? nested_code : nested_code.to(at::kCPU);
  const uint8_t* qp = qa.data_ptr<uint8_t>();
  const float* np = na.data_ptr<float>();
  const float* cp = nc.data_ptr<float>();
  for (int64_t b = b0; b < b1; ++b) out[b - b0] = cp[qp[b]] * np[b / nested_blocksize] + offset;
  return out;
}

at::Tensor QuantizedWeight::dequantize_rows(int64_t r0, int64_t r1, at::ScalarType dtype) const {
  LLMCP_CHECK(0 <= r0 && r0 <= r1 && r1 <= out, kInvalidArgument, "rows [", r0, ", ", r1, ") outside [0, ", out, ")");
  const int64_t rows = r1 - r0;
  if (format == WeightFormat::kInt8) {
    auto q = data.narrow(0, r0, rows).to(at::kFloat);
    return (q * absmax.narrow(0, r0, rows).unsqueeze(1) * 7.874015718698502e-3).to(dtype);
  }
#ifdef LLMCP_CUDA
  if (device().is_cuda()) {
    cuda::Dequant4Args a{data.data_ptr<uint8_t>(),
                         nested ? nullptr : absmax.data_ptr<float>(),
                         nested ? absmax.data_ptr<uint8_t>() : nullptr,
                         nested ? nested_absmax.data_ptr<float>() : nullptr,
                         nested ? nested_code.data_ptr<float>() : nullptr,
                         offset,
                         nested_blocksize,
                         code.data_ptr<float>(),
                         r0 * in,
                         r1 * in,
                         blocksize};
    const auto kind = dtype == at::kBFloat16 ? cuda::OutType::kBF16
                      : dtype == at::kHalf   ? cuda::OutType::kF16
                                             : cuda::OutType::kF32;
    auto result = at::empty({r1 - r0, in}, data.options().dtype(kind == cuda::OutType::kF32 ? at::kFloat : dtype));
    const int err = cuda::dequant4(a, result.data_ptr(), kind, at::cuda::getCurrentCUDAStream().stream());
    LLMCP_CHECK(err == 0, kInternal, "the CUDA dequantization kernel failed (cudaError ", err, ")");
    return result.to(dtype);
  }
#endif
  if (!device().is_cpu()) return dequantize_rows_aten(r0, r1, dtype);
  const int64_t begin = r0 * in, end = r1 * in;
  const int64_t blk0 = begin / blocksize, blk1 = num_blocks(end, blocksize);
  const auto scales = block_scales(blk0, blk1);
  Packed4 p{data.data_ptr<uint8_t>(), scales.data(), blk0, blocksize, code.data_ptr<float>()};
  const bool bf16 = dtype == at::kBFloat16;
  auto result = at::empty({rows, in}, at::TensorOptions().dtype(bf16 ? at::kBFloat16 : at::kFloat));
  // Chunks of whole rows in parallel.
  at::parallel_for(0, rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(in, 1)), [&](int64_t a, int64_t b) {
    if (bf16)
      dequant4_bf16(p, begin + a * in, begin + b * in, reinterpret_cast<uint16_t*>(result.data_ptr()) + a * in);
    else
      dequant4_f32(p, begin + a * in, begin + b * in, result.data_ptr<float>() + a * in);
  });
  return bf16 || dtype == at::kFloat ? result : result.to(dtype);
}

at::Tensor QuantizedWeight::dequantize_rows_aten(int64_t r0, int64_t r1, at::ScalarType dtype) const {
  LLMCP_CHECK(0 <= r0 && r0 <= r1 && r1 <= out, kInvalidArgument, "rows [", r0, ", ", r1, ") outside [0, ", out, ")");
  const int64_t rows = r1 - r0;
  if (format == WeightFormat::kInt8) return dequantize_rows(r0, r1, dtype);
  const int64_t begin = r0 * in, end = r1 * in;
  const int64_t b0 = begin / 2, b1 = (end + 1) / 2;
  auto bytes = data.view({-1}).slice(0, b0, b1).to(at::kLong);
  auto idx = at::stack({bytes.bitwise_right_shift(4), bytes.bitwise_and(15)}, 1).view({-1});
  idx = idx.slice(0, begin - 2 * b0, begin - 2 * b0 + (end - begin));
  auto vals = code.index_select(0, idx);
  auto blocks = at::arange(begin, end, idx.options()).floor_divide(blocksize);
  at::Tensor scales = absmax;
  if (nested) {
    auto nq = absmax.to(at::kLong);
    auto nb = at::arange(nq.size(0), nq.options()).floor_divide(nested_blocksize);
    scales = nested_code.index_select(0, nq) * nested_absmax.index_select(0, nb) + offset;
  }
  return (vals * scales.index_select(0, blocks)).view({rows, in}).to(dtype);
}

int64_t QuantizedWeight::nbytes() const {
  int64_t n = 0;
  for (const at::Tensor* t : {&data, &absmax, &code, &nested_absmax, &nested_code})
    if (t->defined()) n += t->numel() * static_cast<int64_t>(t->element_size());
  return n;
}

void QuantizedWeight::validate(const std::string& what) const {
  if (format == WeightFormat::kInt8) {
    LLMCP_CHECK(data.scalar_type() == at::kChar && data.sizes() == at::IntArrayRef({out, in}), kShapeMismatch, what,
                ": int8 weight must be int8 [", out, ", ", in, "], got ", data.scalar_type(), " ", data.sizes());
    LLMCP_CHECK(absmax.numel() == out, kShapeMismatch, what, ": SCB must have ", out, " values, got ", absmax.numel());
    return;
  }
  const int64_t n = out * in;
  check_blocksize(blocksize);
  LLMCP_CHECK(data.scalar_type() == at::kByte && data.numel() == (n + 1) / 2, kShapeMismatch, what,
              ": packed 4-bit weight must hold ", (n + 1) / 2, " uint8 bytes for shape [", out, ", ", in, "], got ",
              data.scalar_type(), " ", data.sizes());
  LLMCP_CHECK(absmax.numel() == num_blocks(n, blocksize), kShapeMismatch, what, ": absmax must have ",
              num_blocks(n, blocksize), " values (blocks of ", blocksize, "), got ", absmax.numel());
  LLMCP_CHECK(code.numel() == 16, kShapeMismatch, what, ": quant_map must have 16 values, got ", code.numel());
  if (nested) {
    LLMCP_CHECK(absmax.scalar_type() == at::kByte, kInvalidArgument, what, ": nested absmax must be uint8");
    LLMCP_CHECK(nested_code.numel() == 256, kShapeMismatch, what, ": nested_quant_map must have 256 values, got ",
                nested_code.numel());
    LLMCP_CHECK(nested_absmax.numel() == num_blocks(absmax.numel(), nested_blocksize), kShapeMismatch, what,
                ": nested_absmax must have ", num_blocks(absmax.numel(), nested_blocksize), " values, got ",
                nested_absmax.numel());
  } else {
    LLMCP_CHECK(absmax.scalar_type() == at::kFloat, kInvalidArgument, what, ": absmax must be float32");
  }
}

}  // namespace llmcp::quant

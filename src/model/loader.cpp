// Reads config + weights, checks every expected tensor exists with the right shape.
#include "model/loader.h"

#include "core/error.h"
#include "core/runtime.h"
#include "io/checkpoint.h"
#include "io/mapped_file.h"
#include "model/parameters.h"
#include "model/tensor_view.h"

namespace llmcp::model {

at::ScalarType parse_dtype(const std::string& name) {
  if (name == "float32" || name == "fp32") return at::kFloat;
  if (name == "bfloat16" || name == "bf16") return at::kBFloat16;
  if (name == "float16" || name == "fp16") return at::kHalf;
  LLMCP_FAIL(kInvalidArgument, "unknown dtype '", name, "'; choose float32, bfloat16 or float16");
}

std::string dtype_to_string(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return "float32";
    case at::kBFloat16: return "bfloat16";
    case at::kHalf: return "float16";
    default: return c10::toString(t);
  }
}

std::unique_ptr<Decoder> load_decoder(const std::filesystem::path& dir, const LoadOptions& opts) {
  core::init_torch_threads();
  auto hf = io::HfConfig::load(dir);
  const ArchSpec& arch = find_arch(hf.architecture());
  DecoderConfig cfg = arch.parse_config(hf);
  cfg.validate();
  at::ScalarType dtype = parse_dtype(opts.dtype == "auto" ? cfg.torch_dtype : opts.dtype);
  at::Device device = core::parse_device(opts.device);
  auto ckpt = io::Checkpoint::open(dir);
  TensorMap tensors;
  for (const auto& spec : parameter_specs(cfg, arch.names)) {
    const io::TensorView& v = ckpt.at(spec.name);
    LLMCP_CHECK(v.shape == spec.shape, kShapeMismatch, "weight '", spec.name, "' in ", dir.string(), " has shape ",
                at::IntArrayRef(v.shape), " but config.json implies ", at::IntArrayRef(spec.shape));
    tensors[spec.name] = tensor_from_view(v, dtype, device);
    io::drop_mapped_pages(v.data, v.nbytes);
  }
  return std::make_unique<Decoder>(std::move(cfg), arch.names, std::move(tensors));
}

}  // namespace llmcp::model

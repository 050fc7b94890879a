// Reads config + weights, checks every expected tensor exists with the right shape.
#include "model/loader.h"


#include <deque>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/log.h"
#include "core/atomic_file.h"
#include "core/runtime.h"
#include "io/checkpoint.h"
#include "io/mapped_file.h"
#include "model/fused_experts.h"
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

at::ScalarType resolve_dtype(const std::string& requested, const std::string& config_dtype, at::Device device) {
  at::ScalarType t;
  if (requested == "auto") {
    try {
      t = parse_dtype(config_dtype);
    } catch (const core::Error&) {
      LLMCP_FAIL(kUnsupported, "config.json's torch_dtype '", config_dtype,
                 "' is not supported; choose the dtype float32, bfloat16 or float16");
    }
    // libtorch's CPU kernels lack fast fp16 matmuls; bf16 keeps the memory saving (as vLLM does on
    // CPU) where the CPU multiplies bf16 in hardware. Elsewhere bf16 is emulated: fp32 instead.
    if (device.is_cpu() && (t == at::kHalf || t == at::kBFloat16)) {
      const auto chosen = core::cpu_has_native_bf16() ? at::kBFloat16 : at::kFloat;
      if (chosen != t)
        core::log_info(dtype_to_string(t), " checkpoint on a CPU ",
                       chosen == at::kFloat ? "without bf16 instructions (AVX512-BF16 / AMX)" : "", ": computing in ",
                       dtype_to_string(chosen), " (choose the dtype explicitly to override)");
      t = chosen;
    }
    return t;
  }
  t = parse_dtype(requested);
  LLMCP_CHECK(!(t == at::kHalf && device.is_cpu()), kUnsupported,
              "float16 is not supported on CPU; choose the dtype bfloat16 or float32 (or the device cuda)");
  if (t == at::kBFloat16 && device.is_cpu() && !core::cpu_has_native_bf16())
    core::log_warn("bfloat16 on a CPU without bf16 instructions (AVX512-BF16 / AMX) is emulated, several times slower "
                   "than float32: choose the dtype float32 (or auto) unless memory forces bfloat16");
  return t;
}

std::vector<std::string> quantizable_modules(const DecoderConfig& cfg, const WeightNames& names) {
  std::vector<std::string> out;
  for (const auto& spec : parameter_specs(cfg, names))
    if (spec.quantizable) out.push_back(spec.name.substr(0, spec.name.size() - std::string(".weight").size()));
  return out;
}

namespace {

// config.json's quantization_config (absent: default, not enabled).
quant::BnbConfig folder_quantization(const std::filesystem::path& dir) {
  auto j = nlohmann::json::parse(core::read_file(dir / "config.json"), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("quantization_config")) return {};
  try {
    return quant::BnbConfig::from_json(j["quantization_config"]);
  } catch (const core::Error& e) {
    LLMCP_FAIL(kUnsupported, (dir / "config.json").string(), ": quantization_config: ", e.what());
  }
}

}  // namespace

std::unique_ptr<Decoder> load_decoder(const std::filesystem::path& dir, const LoadOptions& opts) {
  DecoderConfig cfg = load_decoder_config(dir);
  const WeightNames names = find_arch(cfg.architecture).names(cfg);
  at::Device device = core::parse_device(opts.device);
  at::ScalarType dtype = resolve_dtype(opts.dtype, cfg.torch_dtype, device);
  core::init_torch_threads(device.is_cpu() ? std::optional<at::ScalarType>(dtype) : std::nullopt);
  auto ckpt = io::Checkpoint::open(dir);
  const auto saved_quant = folder_quantization(dir);
  const auto compute = opts.quant.enabled() ? opts.quant.spec().compute_dtype : saved_quant.spec().compute_dtype;
  auto lookup = [&](const std::string& key) {  // a copy; the file's pages are released
    const io::TensorView* v = ckpt.find(key);
    if (!v) return at::Tensor();
    auto t = tensor_from_view(*v, to_scalar_type(v->dtype), at::kCPU);
    io::drop_mapped_pages(v->data, v->nbytes);
    return t;
  };
  // A weight's view in the file: its own tensor, else its rows of a fused expert tensor.
  std::deque<io::TensorView> fused_views;  // (a deque: references stay valid as it grows)
  auto view_of = [&](const std::string& name) -> const io::TensorView& {
    if (const io::TensorView* v = ckpt.find(name)) return *v;
    if (auto f = fused_expert_view(ckpt, names, cfg, name)) return fused_views.emplace_back(std::move(*f));
    return ckpt.at(name);  // kNotFound naming the folder
  };
  TensorMap tensors;
  QuantizedMap quantized;
  ShardMap sharded;
  const auto specs = parameter_specs(cfg, names);
  for (const auto& spec : specs) {
    const std::string module = spec.name.substr(0, spec.name.size() - std::string(".weight").size());
    const bool shard = opts.shard && (spec.quantizable || (spec.name == names.lm_head + ".weight"));
    if (spec.quantizable) {
      if (auto q = quant::read_bnb_weight(module, lookup, compute)) {
        q->int8_threshold = opts.quant.enabled() ? opts.quant.int8_threshold : saved_quant.int8_threshold;
        LLMCP_CHECK((std::vector<int64_t>{q->out, q->in} == spec.shape), kShapeMismatch, "quantized weight '", module,
                    "' in ", dir.string(), " has shape [", q->out, ", ", q->in, "] but config.json implies ",
                    at::IntArrayRef(spec.shape));
        if (shard) sharded[module] = opts.shard(module, {{}, q->to(device)});
        else quantized[module] = q->to(device);
        continue;
      }
      if (opts.quant.enabled() && !opts.quant.skips(module, names.lm_head)) {
        const io::TensorView& v = view_of(spec.name);
        LLMCP_CHECK(v.shape == spec.shape, kShapeMismatch, "weight '", spec.name, "' in ", dir.string(),
                    " has shape ", at::IntArrayRef(v.shape), " but config.json implies ", at::IntArrayRef(spec.shape));
        auto w = tensor_from_view(v, to_scalar_type(v.dtype), at::kCPU);
        io::drop_mapped_pages(v.data, v.nbytes);
        auto q = quant::QuantizedWeight::quantize(w, opts.quant.spec())->to(device);
        if (shard) sharded[module] = opts.shard(module, {{}, std::move(q)});
        else quantized[module] = std::move(q);
        continue;
      }
    }
    // Checked before converting, so a wrong checkpoint fails before gigabytes are copied.
    const io::TensorView& v = view_of(spec.name);
    LLMCP_CHECK(v.shape == spec.shape, kShapeMismatch, "weight '", spec.name, "' in ", dir.string(), " has shape ",
                at::IntArrayRef(v.shape), " but config.json implies ", at::IntArrayRef(spec.shape));
    auto t = tensor_from_view(v, dtype, device);
    io::drop_mapped_pages(v.data, v.nbytes);
    if (shard) sharded[module] = opts.shard(module, {std::move(t), {}});
    else tensors[spec.name] = std::move(t);
  }
  // Quantizing made a dense temporary per weight; glibc keeps such freed blocks resident otherwise
  // (+5% on the small preset), and the point of a 4-bit base is the memory.
  if (!quantized.empty() || !sharded.empty()) core::release_free_memory();
  return std::make_unique<Decoder>(std::move(cfg), names, std::move(tensors), std::move(quantized), std::move(sharded));
}

}  // namespace llmcp::model

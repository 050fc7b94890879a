// Adapter folder I/O: the key names PEFT's get_peft_model_state_dict produces, F32 on disk
// (integer buffers such as a sparse adapter's indices: I64).
#include "peft/peft_io.h"

#include <algorithm>

#include "core/atomic_file.h"
#include "core/error.h"
#include "io/safetensors.h"
#include "model/tensor_view.h"
#include "peft/fused_experts.h"

namespace llmcp::peft {

void save_adapter(PeftModel& model, const std::string& name, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  model::NamedTensors tensors;
  for (const auto& p : model.parameters(name)) tensors.emplace_back(p.key, p.tensor->detach().to(at::kFloat));
  for (const auto& p : model.buffers(name)) tensors.emplace_back(p.key, p.tensor->detach().cpu());  // int64 indices
  std::sort(tensors.begin(), tensors.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  model::save_tensors(dir / "adapter_model.safetensors", tensors, {{"format", "pt"}});
  core::write_file_atomic(dir / "adapter_config.json", lora_config_to_json(model.adapter(name).config).dump(2) + "\n");
}

LoraConfig load_adapter(PeftModel& model, const std::filesystem::path& dir, const std::string& name) {
  const auto config_path = dir / "adapter_config.json";
  LLMCP_CHECK(std::filesystem::exists(config_path), kNotFound, "no adapter_config.json in ", dir.string(),
              " (is this a PEFT adapter folder?)");
  // Ordered: the file's key order decides between overlapping rank/alpha patterns, as in PEFT.
  auto config_json = nlohmann::ordered_json::parse(core::read_file(config_path), nullptr, false);
  LLMCP_CHECK(!config_json.is_discarded(), kMalformedFile, config_path.string(), " is not valid JSON");
  const auto file = dir / "adapter_model.safetensors";
  if (!std::filesystem::exists(file)) {
    LLMCP_CHECK(!std::filesystem::exists(dir / "adapter_model.bin"), kUnsupported, dir.string(),
                " holds adapter_model.bin (a pickle); convert it to adapter_model.safetensors with PEFT "
                "(model.save_pretrained(dir, safe_serialization=True))");
    LLMCP_FAIL(kNotFound, "no adapter_model.safetensors in ", dir.string());
  }
  auto st = io::SafetensorsFile::open(file);
  std::map<std::string, at::Tensor> tensors;
  for (const auto& v : st->tensors()) {
    LLMCP_CHECK(v.name.rfind("base_model.model.", 0) == 0, kMalformedFile, file.string(), ": tensor '", v.name,
                "' does not start with 'base_model.model.' (not a PEFT causal-LM adapter)");
    // Integers stay integers (a sparse mask's indices: fp32 would round positions past 2^24);
    // everything else is read as fp32.
    const bool integral = v.dtype == core::DType::kI64 || v.dtype == core::DType::kI32 ||
                          v.dtype == core::DType::kI16 || v.dtype == core::DType::kI8 || v.dtype == core::DType::kU8;
    tensors[v.name] = model::tensor_from_view(v, integral ? at::kLong : at::kFloat, at::kCPU);
  }
  if (has_target_parameters(config_json)) {
    const auto& cfg = model.decoder().config();
    std::vector<std::string> linears;
    for (auto* l : model.decoder().linears()) linears.push_back(l->name);
    unfuse_expert_lora(config_json, tensors, linears, cfg.moe ? cfg.moe->num_experts : 0, cfg.intermediate_size,
                       cfg.hidden_size, config_path.string());
  }
  auto config = lora_config_from_json(config_json, config_path.string());
  model.add_loaded_adapter(name, config, std::move(tensors), file.string());
  return config;
}

}  // namespace llmcp::peft

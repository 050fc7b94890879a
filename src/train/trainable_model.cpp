// Building the trained model for each method and writing it out; between optimizer steps, the
// adapter's method does what it does (peft/method_runtime.h's TrainingHooks: RigL for sparse).
#include "train/trainable_model.h"

#include <ATen/core/grad_mode.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "core/runtime.h"
#include "io/safetensors.h"
#include "model/loader.h"
#include "model/tensor_view.h"
#include "peft/peft_io.h"
#include "peft/method_runtime.h"

namespace llmcp::train {

std::unique_ptr<TrainableModel> TrainableModel::create(const TrainConfig& c, model::ShardFn shard) {
  auto m = std::unique_ptr<TrainableModel>(new TrainableModel());
  m->config_ = c;
  // Adapters train on a frozen base, which may stay in bf16; full fine-tuning keeps fp32 masters.
  const std::string dtype = (c.bf16 && !c.full()) ? "bfloat16" : "float32";
  model::LoadOptions load{dtype, c.device, {}, std::move(shard)};
  if (c.method == "qlora" || !c.quantization.empty()) {  // a quantized base under any adapter
    LLMCP_CHECK(!c.full(), kInvalidArgument,
                "full fine-tuning trains every weight, so it cannot keep a quantized base; drop load_in_4bit/"
                "load_in_8bit or train an adapter (method lora, dora, qlora or sparse)");
    load.quant = quant::BnbConfig::from_keys(base_quantization(c));
  }
  m->decoder_ = model::load_decoder(c.model, load);
  if (c.bf16) core::init_torch_threads(at::kBFloat16);  // autocast: the matmuls run in bf16 whatever the masters
  if (c.bf16 && c.full() && m->decoder_->device().is_cpu() && !core::cpu_has_native_bf16())
    core::log_warn("bf16 autocast on a CPU without bf16 instructions (AVX512-BF16 / AMX) is emulated, several times "
                   "slower than float32: set bf16: false unless memory forces it");
  m->decoder_->set_gradient_checkpointing(c.gradient_checkpointing);
  if (c.full()) {
    for (auto& s : m->decoder_->tensors()) s.tensor->requires_grad_(true);
  } else {
    m->peft_ = std::make_unique<peft::PeftModel>(*m->decoder_);
    auto lora = c.lora;
    if (lora.base_model_name_or_path.empty()) lora.base_model_name_or_path = c.model;
    lora.inference_mode = true;  // as PEFT saves it
    auto& adapter = m->peft_->add_adapter("default", lora, c.seed);
    m->hooks_ = peft::method_runtime(lora.method).training_hooks(adapter.config, adapter);
  }
  return m;
}

std::vector<TrainableParam> TrainableModel::parameters() {
  std::vector<TrainableParam> out;
  if (peft_) {
    for (auto& p : peft_->parameters("default")) out.push_back({p.key, p.tensor});
  } else {
    for (auto& s : decoder_->tensors()) out.push_back({s.name, s.tensor});
  }
  return out;
}

void TrainableModel::set_training(bool on) {
  if (peft_) peft_->set_training(on);
  decoder_->set_topk_attention(on && peft_ ? peft::peft_method(config_.lora.method).topk_attention(config_.lora) : 0.0);
  decoder_->set_training(on);
}

void TrainableModel::save(const std::filesystem::path& dir) const {
  if (peft_) {
    peft::save_adapter(*peft_, "default", dir);
  } else {
    save_model_folder(*decoder_, config_.model, dir, at::kFloat);
  }
}

void TrainableModel::load_trainable(const std::filesystem::path& dir) {
  const auto file = dir / (peft_ ? "adapter_model.safetensors" : "model.safetensors");
  auto st = io::SafetensorsFile::open(file);
  at::NoGradGuard no_grad;
  auto targets = parameters();
  if (peft_)  // an adapter's buffers may change in training (a sparse mask's indices): they come back too
    for (auto& b : peft_->buffers("default")) targets.push_back({b.key, b.tensor});
  for (auto& p : targets) {
    const auto& v = st->at(p.key);
    LLMCP_CHECK(v.shape == p.tensor->sizes().vec(), kShapeMismatch, file.string(), ": '", p.key, "' has shape ",
                at::IntArrayRef(v.shape), " but the model's is ", p.tensor->sizes());
    p.tensor->copy_(model::tensor_from_view(v, p.tensor->scalar_type(), p.tensor->device()));
  }
}

void TrainableModel::before_step(int64_t step, int64_t total) {
  if (hooks_) hooks_->before_step(step, total);
}

std::vector<at::Tensor> TrainableModel::gradients_to_sum(int64_t step, int64_t total) {
  return hooks_ ? hooks_->gradients_to_sum(step, total) : std::vector<at::Tensor>{};
}

nlohmann::ordered_json TrainableModel::after_step(int64_t step, int64_t total, Optimizer& optimizer) {
  if (!hooks_) return nullptr;
  return hooks_->after_step(step, total,
                            [&](at::Tensor& param, const at::Tensor& source) { optimizer.remap_state(param, source); });
}

std::string TrainableModel::summary() const {
  if (peft_) return peft_->trainable_summary("default");
  int64_t n = 0;
  for (auto& s : decoder_->tensors()) n += s.tensor->numel();
  return "trainable params: " + std::to_string(n) + " || all params: " + std::to_string(n) + " || trainable%: 100.0000";
}

void save_model_folder(model::Decoder& decoder, const std::filesystem::path& base_dir,
                       const std::filesystem::path& out, at::ScalarType dtype,
                       bool keep_quantized) {
  std::filesystem::create_directories(out);
  for (const char* f : {"tokenizer.json", "tokenizer_config.json", "tokenizer.model", "special_tokens_map.json",
                        "generation_config.json", "chat_template.jinja", "chat_template.json"})
    if (std::filesystem::exists(base_dir / f) && base_dir / f != out / f)
      core::write_file_atomic(out / f, core::read_file(base_dir / f));
  auto config = nlohmann::ordered_json::parse(core::read_file(base_dir / "config.json"));
  config["torch_dtype"] = model::dtype_to_string(dtype);
  model::NamedTensors tensors;
  for (auto& s : decoder.tensors()) tensors.emplace_back(s.name, s.tensor->detach().to(dtype));
  // Quantized bases: bitsandbytes' keys when the folder stays quantized, else dense weights.
  config.erase("quantization_config");
  const auto quantized = decoder.quantized_weights();
  if (!quantized.empty() && keep_quantized) {
    quant::NamedTensorList q;
    for (const auto& [module, w] : quantized) quant::append_bnb_tensors(module, *w, q);
    tensors.insert(tensors.end(), q.begin(), q.end());
    const auto& first = *quantized.front().second;
    quant::BnbConfig bnb;
    bnb.load_in_8bit = first.format == quant::WeightFormat::kInt8;
    bnb.load_in_4bit = !bnb.load_in_8bit;
    bnb.quant_type = first.quant_type();
    bnb.compute_dtype = first.compute_dtype;
    bnb.double_quant = first.nested;
    bnb.blocksize = first.blocksize;
    config["quantization_config"] = bnb.to_json();
  } else {
    for (const auto& [module, w] : quantized) tensors.emplace_back(module + ".weight", w->dequantize(dtype).to(at::kCPU));
  }
  model::save_tensors(out / "model.safetensors", tensors, {{"format", "pt"}});
  core::write_file_atomic(out / "config.json", config.dump(2) + "\n");
}

}  // namespace llmcp::train

// LoRA training-step throughput and peak memory of the C++ trainer's pieces (TrainableModel,
// causal_lm_loss, AdamW with clipping), printed as JSON so bench/run.sh can put it beside
// transformers + PEFT (bench/hf_peft_train.py) from the same run. Random token rows,
// every position a target, so both sides do exactly the same work. --qlora trains the same adapter
// on a 4-bit base; --sparse RATIO trains a sparse delta instead, with a RigL mask update after the
// second step, timed on its own (update_step_s) and left out of tokens_per_s.
//   train_bench --model DIR --rank 16 --batch 2 --seq 512 --steps 3 [--bf16 1] [--checkpointing 1]
//               [--qlora nf4] [--dora 1] [--sparse 0.99] [--device cpu|cuda]
// On CUDA it also reports the caching allocator's peak (peak_gpu_mb) and the parameter count, from
// which scripts/device-check.sh derives MFU.
#include <ATen/ATen.h>

#include <chrono>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/runtime.h"
#include "train/autocast.h"
#include "train/loss.h"
#include "train/metrics.h"
#include "train/optimizer.h"
#include "train/trainable_model.h"

int main(int argc, char** argv) try {
  using namespace llmcp;
  nlohmann::json cfg = {{"method", "lora"}, {"lora_rank", 16}, {"lora_alpha", 32}, {"lora_dropout", 0.05},
                        {"target_modules", "all-linear"}, {"output_dir", "unused"}, {"dataset", "unused"}};
  int64_t batch = 2, seq = 512, steps = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--model") cfg["model"] = v;
    else if (k == "--rank") cfg["lora_rank"] = std::stoll(v), cfg["lora_alpha"] = 2 * std::stoll(v);
    else if (k == "--bf16") cfg["bf16"] = v == "1";
    else if (k == "--device") cfg["device"] = v;
    else if (k == "--checkpointing") cfg["gradient_checkpointing"] = v == "1";
    else if (k == "--batch") batch = std::stoll(v);
    else if (k == "--seq") seq = std::stoll(v);
    else if (k == "--steps") steps = std::stoll(v);
    else if (k == "--qlora") {  // nf4 | fp4: a 4-bit double-quantized base, computing in the run's dtype
      cfg["method"] = "qlora";
      cfg["load_in_4bit"] = true;
      cfg["bnb_4bit_quant_type"] = v;
      cfg["bnb_4bit_use_double_quant"] = true;
    } else if (k == "--dora") {
      if (v == "1") cfg["method"] = "dora";
    } else if (k == "--sparse") {
      cfg["method"] = "sparse";
      cfg["sparsity_ratio"] = std::stod(v);
      cfg["mask_update_interval"] = 2;
    } else LLMCP_FAIL(kInvalidArgument, "unknown option ", k);
  }
  if (cfg.contains("load_in_4bit")) cfg["bnb_4bit_compute_dtype"] = cfg.value("bf16", false) ? "bfloat16" : "float32";
  core::init_torch_threads();
  const auto c = train::train_config_from_json(cfg);
  auto model = train::TrainableModel::create(c);
  model->set_training(true);
  train::Optimizer opt(model->parameters(), {.lr = 1e-4});
  const auto device = model->decoder().device();
  const int64_t vocab = model->decoder().config().vocab_size;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(0);
  train::Batch b;
  b.ids = at::randint(4, vocab, {batch, seq}, gen, at::kLong);
  b.attention = at::ones({batch, seq}, at::kLong);
  b.targets = at::ones({batch, seq}, at::kBool);
  b.targets.select(1, 0).fill_(false);

  using Clock = std::chrono::steady_clock;
  double seconds = 0, update_seconds = 0, first_loss = 0, last_loss = 0;
  int64_t timed = 0;
  const int64_t total = steps + 2;  // optimizer steps 1..steps+1; a sparse mask changes after step 2
  for (int64_t s = 1; s <= steps + 1; ++s) {  // step 1 warms up
    const auto t0 = Clock::now();
    model->before_step(s, total);
    opt.zero_grad();
    train::LossSum l;
    {
      train::Autocast ac(c.bf16, device.type(), core::mixed_precision_dtype(device));
      l = train::causal_lm_loss(model->decoder(), b);
    }
    auto loss = l.sum / static_cast<double>(l.tokens);
    loss.backward();
    opt.clip_grad_norm(1.0);
    opt.step(1e-4);
    const bool updated = !model->after_step(s, total, opt).is_null();
    last_loss = loss.item<double>();  // synchronizes a GPU: the step's time is whole
    const double el = std::chrono::duration<double>(Clock::now() - t0).count();
    if (s == 1) {
      first_loss = last_loss;
    } else if (updated) {
      update_seconds = el;
    } else {
      seconds += el;
      ++timed;
    }
  }
  int64_t parameters = 0;  // of the base model, as config.json implies (quantized ones counted as values)
  for (auto& s : model->decoder().tensors()) parameters += s.tensor->numel();
  for (const auto& [name, q] : model->decoder().quantized_weights()) parameters += q->out * q->in;
  // Bytes of the decoder layers' linear base weights (dense or quantized, constants included).
  int64_t linear_bytes = 0;
  for (auto* l : model->decoder().linears()) {
    if (l->name == model->decoder().names().lm_head) continue;
    linear_bytes += l->quantized() ? l->qweight->nbytes() : l->weight.numel() * static_cast<int64_t>(l->weight.element_size());
  }
  nlohmann::json out = {{"tokens_per_s", static_cast<double>(batch * seq * timed) / seconds},
                        {"step_s", seconds / static_cast<double>(timed)},
                        {"update_step_s", update_seconds},
                        {"linear_weight_mb", static_cast<double>(linear_bytes) / (1 << 20)},
                        {"peak_rss_mb", static_cast<double>(train::peak_rss_bytes()) / (1 << 20)},
                        {"peak_gpu_mb", static_cast<double>(train::gpu_memory_peak(device).allocated_bytes) / (1 << 20)},
                        {"parameters", parameters},
                        {"first_loss", first_loss},
                        {"last_loss", last_loss},
                        {"trainable", model->summary()}};
  std::cout << out.dump() << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "train_bench: " << e.what() << "\n";
  return 1;
}

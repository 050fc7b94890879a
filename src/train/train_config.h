// A training run's configuration: the seed documents' keys as written (lora_rank, dropout_rate,
// load_in_4bit, sparsity_ratio, ...) plus PEFT's and the trainer's own, from YAML or JSON, with
// `--set key=value` overrides. One table (train_config_keys) drives parsing, the "did you mean"
// error for unknown keys and the README's list. Torch-free, so front ends validate cheaply.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "peft/lora_config.h"

namespace llmcp::train {

enum class Method { kLora, kQlora, kDora, kSparse, kFull };
const char* method_name(Method m);

struct TrainConfig {
  Method method = Method::kLora;
  std::string model, dataset, eval_dataset, output_dir;
  double eval_fraction = 0;  // held out of `dataset` when there is no eval_dataset
  int64_t epochs = 1;
  int64_t max_steps = 0;  // > 0 overrides epochs
  int64_t batch_size = 4;
  int64_t gradient_accumulation_steps = 1;
  double learning_rate = 2e-4;
  std::string lr_scheduler = "linear";  // constant | linear | cosine
  int64_t warmup_steps = 0;
  double warmup_ratio = 0;
  double weight_decay = 0;
  double max_grad_norm = 1.0;  // 0 = no clipping
  double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_epsilon = 1e-8;
  int64_t seq_len = 512;
  bool packing = false;
  bool train_on_all = false;  // false: loss on completions only
  std::string chat_template;  // name or .jinja path; "" = the model's
  uint64_t seed = 42;
  int64_t save_steps = 0;  // 0: only at the end
  int64_t save_total_limit = 2;
  int64_t eval_steps = 0;  // 0: only at the end (when there is eval data)
  int64_t logging_steps = 1;
  int64_t early_stopping_patience = 0;  // evaluations without improvement before stopping; 0 = off
  double early_stopping_threshold = 0;
  bool gradient_checkpointing = false;
  bool bf16 = false;  // bf16 autocast (mixed precision); adapters and optimizer state stay fp32
  std::string device = "auto";
  // Mixture of experts: add router_aux_loss_coef x the load-balancing loss (unset: config.json's).
  std::optional<bool> output_router_logits;
  std::optional<double> router_aux_loss_coef;
  peft::LoraConfig lora;
  nlohmann::json quantization = nlohmann::json::object();  // load_in_4bit, bnb_4bit_* (QLoRA)
  nlohmann::json sparse = nlohmann::json::object();        // sparsity_ratio, ... (sparse)

  // Everything resolved, for output_dir/training_config.json.
  nlohmann::ordered_json to_json() const;
};

struct ConfigKey {
  const char* name;
  const char* type;  // "int", "number", "bool", "string", "list", "any"
  const char* help;
};
const std::vector<ConfigKey>& train_config_keys();

// Parses and validates (kInvalidArgument naming the key; unknown keys name the nearest known one).
TrainConfig train_config_from_json(const nlohmann::json& j);
// Reads a YAML (or JSON) file into JSON: quoted scalars stay strings, plain ones become numbers,
// booleans or null as YAML 1.2 reads them.
nlohmann::json read_config_file(const std::filesystem::path& path);
nlohmann::json yaml_to_json(const std::string& yaml_text, const std::string& source);
// "key=value": value read as a YAML scalar or flow collection ("lr=1e-4", "target_modules=[q_proj]").
void apply_override(nlohmann::json& config, const std::string& assignment);

}  // namespace llmcp::train

// A training run's configuration: the seed documents' keys as written (lora_rank, dropout_rate,
// load_in_4bit, sparsity_ratio, ...) plus PEFT's and the trainer's own, from YAML or JSON, with
// `--set key=value` overrides. One table (train_config_keys) drives parsing, range checks, the
// "did you mean" error for unknown keys, `train --help`, the README's list and the MCP schema.
// Torch-free, so front ends validate cheaply.
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "peft/lora_config.h"
#include "quant/bnb_keys.h"

namespace llmcp::train {

// The training methods, in the order `method:` lists them: each PEFT method (peft/method.h) by
// its name and its variants (LoRA's qlora: LoRA on a 4-bit NF4 base, and dora), then "full"
// (every weight).
std::vector<std::string> training_methods();

struct TrainConfig {
  std::string method = "lora";  // one of training_methods()
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
  bool shard_base = false;  // several processes: each keeps 1/N of the frozen base (dist/sharded_weight.h)
  bool bf16 = false;  // bf16 autocast (mixed precision); adapters and optimizer state stay fp32
  std::string device = "auto";
  // Mixture of experts: add router_aux_loss_coef x the load-balancing loss (unset: config.json's).
  std::optional<bool> output_router_logits;
  std::optional<double> router_aux_loss_coef;
  peft::LoraConfig lora;  // the adapter: its PEFT method in lora.method, that method's keys in lora.options
  nlohmann::json quantization = nlohmann::json::object();  // load_in_4bit, bnb_4bit_* (QLoRA)
  nlohmann::json method_keys = nlohmann::json::object();   // the PEFT method's own keys as given (sparsity_ratio, ...)

  bool full() const { return method == "full"; }  // full fine-tuning: no adapter

  // Everything resolved, for output_dir/training_config.json.
  nlohmann::ordered_json to_json() const;
};

// Who reads a key: the trainer (a TrainConfig field), or a parser of its own: the adapter's PEFT
// keys, the quantized base's bitsandbytes keys, or one PEFT method's own keys (peft/method.h).
enum class KeyUse { kTrainer, kAdapter, kQuantization, kMethod };

// One row of the key table, the only place a key is spelled: its type, help, alias, range or
// choices, who reads it and, for the trainer's keys, the TrainConfig field it fills (set) and
// shows in training_config.json (get). Parsing, range checks, `train --help`, the README's list
// (checked by a test) and the MCP start_training schema all read this table.
struct ConfigKey {
  const char* name;
  const char* type;  // "int", "number", "bool", "string", "list", "any"
  const char* help;
  const char* alias_of = nullptr;  // another name of that key (both may be given when equal)
  KeyUse use = KeyUse::kTrainer;
  double min = -std::numeric_limits<double>::infinity();  // numbers and ints, checked after parsing
  double max = std::numeric_limits<double>::infinity();
  bool min_open = false, max_open = false;
  const char* at_min = "";                   // what the smallest value means, for the message
  std::vector<std::string> choices = {};     // strings
  void (*set)(TrainConfig&, const nlohmann::json&) = nullptr;
  nlohmann::json (*get)(const TrainConfig&) = nullptr;
  std::string method = {};  // kMethod: the PEFT method whose key it is
};
// The trainer's rows, then each registered PEFT method's keys (rebuilt when a method is added).
const std::vector<ConfigKey>& train_config_keys();
// The methods a key's use applies to ("all", or e.g. "qlora").
std::string key_methods(const ConfigKey& k);

// The one answer to "is the base quantized, and how": the config's bitsandbytes keys, except that
// method qlora alone means the QLoRA paper's base (4-bit NF4). load_in_4bit without a type gets
// transformers' default, fp4, as in transformers. The trainer, the planner and the recommender ask here.
quant::BnbKeys base_quantization(const TrainConfig& c);

// Parses and validates (kInvalidArgument naming the key; unknown keys name the nearest known one).
TrainConfig train_config_from_json(const nlohmann::json& j);
// Reads a YAML (or JSON) file into JSON: quoted scalars stay strings, plain ones become numbers,
// booleans or null as YAML 1.2 reads them.
nlohmann::json read_config_file(const std::filesystem::path& path);
nlohmann::json yaml_to_json(const std::string& yaml_text, const std::string& source);
// "key=value": value read as a YAML scalar or flow collection ("lr=1e-4", "target_modules=[q_proj]").
void apply_override(nlohmann::json& config, const std::string& assignment);

}  // namespace llmcp::train

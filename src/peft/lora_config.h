// An adapter's configuration as Hugging Face PEFT writes it in adapter_config.json: the keys every
// method shares (targeting, bias, modules_to_save, base model), LoRA's own (r, lora_alpha, ...;
// DoRA is LoRA with use_dora), and for any other registered method (peft/method.h: our own
// peft_type "SPARSE", ...) its name and its options. Torch-free, so front ends can read and
// validate adapters cheaply.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>


namespace llmcp::peft {

// PEFT's target_modules: a list of module-name suffixes, one regex (full match), or "all-linear".
struct TargetModules {
  enum class Kind { kNames, kRegex, kAllLinear };
  Kind kind = Kind::kNames;
  std::vector<std::string> names;  // kNames
  std::string regex;               // kRegex
};

enum class BiasMode { kNone, kAll, kLoraOnly };
enum class LoraInit { kDefault, kGaussian, kNone };  // init_lora_weights: true | "gaussian" | false

struct LoraConfig {
  int64_t r = 8;
  double lora_alpha = 8;
  double lora_dropout = 0;
  std::optional<TargetModules> target_modules;  // nullopt: the architecture's default (q_proj, v_proj)
  std::vector<std::string> exclude_modules;
  BiasMode bias = BiasMode::kNone;
  bool use_rslora = false;
  bool use_dora = false;
  LoraInit init = LoraInit::kDefault;
  std::vector<std::string> modules_to_save;
  std::optional<std::vector<int64_t>> layers_to_transform;
  std::vector<std::string> layers_pattern;
  // regex -> r / lora_alpha, in the order read: the first key that matches a module applies (PEFT's
  // get_pattern_key). PEFT writes adapter_config.json with sorted keys, so a file's order is sorted.
  std::vector<std::pair<std::string, int64_t>> rank_pattern;
  std::vector<std::pair<std::string, double>> alpha_pattern;
  std::string base_model_name_or_path;
  std::string revision;
  bool inference_mode = true;
  // The PEFT method (peft/method.h) and its own keys as it read them (checked, defaults filled);
  // LoRA keeps its keys in the fields above, so its options stay empty.
  std::string method = "lora";
  nlohmann::json options = nlohmann::json::object();

  // s = alpha / r, or alpha / sqrt(r) with use_rslora, for a module's own r and alpha.
  double scaling(int64_t rank, double alpha) const;
  void validate() const;  // kInvalidArgument naming the key
};

const char* bias_mode_name(BiasMode b);
BiasMode parse_bias_mode(const std::string& s);  // error lists none | all | lora_only

// adapter_config.json <-> LoraConfig. Reading accepts what PEFT writes (keys we do not use are
// ignored) but refuses features that would change the adapter's meaning and that we do not
// implement (e.g. lora_bias, layer_replication, trainable_token_indices), naming the key.
LoraConfig lora_config_from_json(const nlohmann::json& j, const std::string& source);
LoraConfig lora_config_from_json(const nlohmann::ordered_json& j, const std::string& source);
// PEFT's key set, sorted: the shared keys, `task_type: "CAUSAL_LM"`, the method's peft_type and
// the keys it writes (LoRA: r, lora_alpha, ...; sparse: the seed's sparse keys).
nlohmann::ordered_json lora_config_to_json(const LoraConfig& c);
// A number as PEFT's JSON has it: an integer when whole (lora_alpha 16, not 16.0).
nlohmann::json json_number(double v);

}  // namespace llmcp::peft

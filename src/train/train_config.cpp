// Config parsing: YAML through yaml-cpp into JSON, then one pass over the key table with type
// checks, defaults, the seed's aliases (lora_rank = r, dropout_rate = adapter dropout when
// lora_dropout is absent) and the method implied by the keys when `method` is not given.
#include "train/train_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "train/train_config_checks.h"

namespace llmcp::train {
namespace {

using nlohmann::json;


size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string nearest_key(const std::string& key) {
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const auto& k : train_config_keys()) {
    size_t d = edit_distance(key, k.name);
    if (std::string(k.name).find(key) != std::string::npos || key.find(k.name) != std::string::npos) d = std::min<size_t>(d, 2);
    if (d < best_d) best_d = d, best = k.name;
  }
  return best;
}

void check_type(const std::string& key, const char* type, const json& v) {
  const std::string t = type;
  bool ok = t == "any" || (t == "int" && v.is_number_integer()) || (t == "number" && v.is_number()) ||
            (t == "bool" && v.is_boolean()) || (t == "string" && v.is_string()) ||
            (t == "list" && (v.is_array() || v.is_string())) || v.is_null();
  LLMCP_CHECK(ok, kInvalidArgument, "config key '", key, "' must be ", t == "int" ? "an integer" : t == "number" ? "a number" : t == "bool" ? "true or false" : t == "list" ? "a list" : "a string", ", got ", v.dump());
}

json yaml_node_to_json(const YAML::Node& n, const std::string& source) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nullptr;
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& e : n) a.push_back(yaml_node_to_json(e, source));
      return a;
    }
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) {
        const auto key = kv.first.as<std::string>();
        LLMCP_CHECK(!o.contains(key), kMalformedFile, source, ": the key '", key, "' appears twice (line ",
                    kv.first.Mark().line + 1, "); keep one");
        o[key] = yaml_node_to_json(kv.second, source);
      }
      return o;
    }
    case YAML::NodeType::Scalar: break;
  }
  const std::string s = n.Scalar();
  if (n.Tag() == "!") return s;  // quoted: always a string
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s == "null" || s == "Null" || s == "~" || s.empty()) return nullptr;
  try {
    size_t pos = 0;
    long long i = std::stoll(s, &pos);
    if (pos == s.size()) return i;
  } catch (...) {
  }
  try {
    size_t pos = 0;
    double d = std::stod(s, &pos);
    if (pos == s.size() && s.find_first_of("0123456789") != std::string::npos) return d;
  } catch (...) {
  }
  return s;
}

template <typename T>
void take(const json& j, const char* key, T& out) {
  if (j.contains(key) && !j[key].is_null()) out = j[key].get<T>();
}

}  // namespace

const char* method_name(Method m) {
  switch (m) {
    case Method::kLora: return "lora";
    case Method::kQlora: return "qlora";
    case Method::kDora: return "dora";
    case Method::kSparse: return "sparse";
    case Method::kFull: return "full";
  }
  return "lora";
}


nlohmann::json yaml_to_json(const std::string& yaml_text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    LLMCP_FAIL(kMalformedFile, source, ": not valid YAML at line ", e.mark.line + 1, ", column ", e.mark.column + 1,
               ": ", e.msg);
  }
  json j = yaml_node_to_json(root, source);
  LLMCP_CHECK(j.is_object() || j.is_null(), kMalformedFile, source, " must be a mapping of keys to values");
  return j.is_null() ? json::object() : j;
}

nlohmann::json read_config_file(const std::filesystem::path& path) {
  LLMCP_CHECK(std::filesystem::exists(path), kNotFound, "config file ", path.string(), " does not exist");
  return yaml_to_json(core::read_file(path), path.string());  // JSON is YAML too
}

void apply_override(nlohmann::json& config, const std::string& assignment) {
  const auto eq = assignment.find('=');
  LLMCP_CHECK(eq != std::string::npos && eq > 0, kInvalidArgument, "--set expects key=value, got '", assignment, "'");
  const std::string key = assignment.substr(0, eq);
  json v = yaml_to_json("v: " + assignment.substr(eq + 1), "--set " + key);
  config[key] = v["v"];
}

TrainConfig train_config_from_json(const nlohmann::json& j) {
  LLMCP_CHECK(j.is_object(), kInvalidArgument, "a training config must be a mapping of keys to values");
  std::map<std::string, const ConfigKey*> known;
  for (const auto& k : train_config_keys()) known[k.name] = &k;
  for (auto it = j.begin(); it != j.end(); ++it) {
    auto k = known.find(it.key());
    LLMCP_CHECK(k != known.end(), kInvalidArgument, "unknown config key '", it.key(), "'; did you mean '",
                nearest_key(it.key()), "'? (`llm-mcp train --help` and the README's training-config section list every key)");
    check_type(it.key(), k->second->type, it.value());
  }
  check_aliases(j);
  TrainConfig c;
  take(j, "model", c.model);
  take(j, "dataset", c.dataset);
  take(j, "eval_dataset", c.eval_dataset);
  take(j, "eval_fraction", c.eval_fraction);
  take(j, "output_dir", c.output_dir);
  take(j, "num_train_epochs", c.epochs);
  take(j, "epochs", c.epochs);
  take(j, "max_steps", c.max_steps);
  take(j, "per_device_train_batch_size", c.batch_size);
  take(j, "batch_size", c.batch_size);
  take(j, "gradient_accumulation_steps", c.gradient_accumulation_steps);
  take(j, "lr_scheduler_type", c.lr_scheduler);
  take(j, "lr_scheduler", c.lr_scheduler);
  take(j, "warmup_steps", c.warmup_steps);
  take(j, "warmup_ratio", c.warmup_ratio);
  take(j, "weight_decay", c.weight_decay);
  take(j, "max_grad_norm", c.max_grad_norm);
  take(j, "adam_beta1", c.adam_beta1);
  take(j, "adam_beta2", c.adam_beta2);
  take(j, "adam_epsilon", c.adam_epsilon);
  take(j, "max_seq_length", c.seq_len);
  take(j, "seq_len", c.seq_len);
  take(j, "packing", c.packing);
  take(j, "train_on_all", c.train_on_all);
  take(j, "chat_template", c.chat_template);
  take(j, "seed", c.seed);
  take(j, "save_steps", c.save_steps);
  take(j, "save_total_limit", c.save_total_limit);
  take(j, "eval_steps", c.eval_steps);
  take(j, "logging_steps", c.logging_steps);
  take(j, "early_stopping_patience", c.early_stopping_patience);
  take(j, "early_stopping_threshold", c.early_stopping_threshold);
  take(j, "gradient_checkpointing", c.gradient_checkpointing);
  if (j.contains("output_router_logits") && !j["output_router_logits"].is_null())
    c.output_router_logits = j["output_router_logits"].get<bool>();
  if (j.contains("router_aux_loss_coef") && !j["router_aux_loss_coef"].is_null()) {
    c.router_aux_loss_coef = j["router_aux_loss_coef"].get<double>();
  }
  take(j, "bf16", c.bf16);
  take(j, "device", c.device);

  // The adapter: PEFT's keys, with the seed's aliases.
  json peft = json::object();
  for (const char* k : {"lora_alpha", "lora_dropout", "target_modules", "exclude_modules", "bias", "use_rslora",
                        "use_dora", "init_lora_weights", "layers_to_transform", "layers_pattern", "rank_pattern",
                        "alpha_pattern", "modules_to_save"})
    if (j.contains(k) && !j[k].is_null()) peft[k] = j[k];
  if (j.contains("r")) peft["r"] = j["r"];
  if (j.contains("lora_rank")) peft["r"] = j["lora_rank"];
  if (!peft.contains("lora_dropout") && j.contains("dropout_rate")) peft["lora_dropout"] = j["dropout_rate"];
  if (j.contains("task_type") && !j["task_type"].is_null())
    LLMCP_CHECK(j["task_type"] == "CAUSAL_LM", kInvalidArgument, "task_type ", j["task_type"].dump(),
                " is not supported; llm-mcp trains causal language models (CAUSAL_LM)");
  c.lora = peft::lora_config_from_json(peft, "the training config");
  for (const char* k : {"load_in_4bit", "load_in_8bit", "bnb_4bit_quant_type", "bnb_4bit_compute_dtype",
                        "bnb_4bit_use_double_quant", "bnb_4bit_quant_storage", "bnb_4bit_blocksize",
                        "llm_int8_skip_modules"})
    if (j.contains(k) && !j[k].is_null()) c.quantization[k] = j[k];
  for (const char* k : {"sparsity_ratio", "sparsity_type", "mask_update_interval", "mask_update_fraction", "use_rigl",
                        "use_topk_attention", "topk_ratio"})
    if (j.contains(k) && !j[k].is_null()) c.sparse[k] = j[k];

  // The method: explicit, or implied by the keys.
  const bool four_bit = c.quantization.value("load_in_4bit", false) || c.quantization.value("load_in_8bit", false);
  Method implied = !c.sparse.empty() ? Method::kSparse : four_bit ? Method::kQlora : c.lora.use_dora ? Method::kDora : Method::kLora;
  if (j.contains("method") && !j["method"].is_null()) {
    const std::string m = j["method"].get<std::string>();
    std::map<std::string, Method> methods = {{"lora", Method::kLora}, {"qlora", Method::kQlora}, {"dora", Method::kDora},
                                             {"sparse", Method::kSparse}, {"full", Method::kFull}};
    LLMCP_CHECK(methods.count(m), kInvalidArgument, "method '", m, "' is unknown; choose lora, qlora, dora, sparse or full");
    c.method = methods[m];
    LLMCP_CHECK(!(c.method == Method::kLora && c.lora.use_dora), kInvalidArgument,
                "method lora with use_dora: true is DoRA; set method: dora (or drop use_dora)");
  } else {
    c.method = implied;
  }
  if (c.method == Method::kDora) c.lora.use_dora = true;
  if (c.method == Method::kSparse) {
    LLMCP_CHECK(!c.lora.use_dora, kInvalidArgument, "use_dora applies to LoRA adapters; method sparse trains a sparse "
                "delta (drop use_dora, or choose method dora)");
    c.lora.sparse = peft::SparseConfig::from_json(c.sparse, "the training config");
  } else if (!c.sparse.empty()) {
    LLMCP_FAIL(kInvalidArgument, "'", c.sparse.begin().key(), "' configures sparse fine-tuning, but method is ",
               method_name(c.method), "; set method: sparse (or remove the sparse keys)");
  }
  if (c.method == Method::kFull && !j.contains("learning_rate")) c.learning_rate = 2e-5;
  take(j, "learning_rate", c.learning_rate);

  LLMCP_CHECK(!c.model.empty(), kInvalidArgument, "the config needs 'model' (a model folder)");
  LLMCP_CHECK(!c.dataset.empty(), kInvalidArgument, "the config needs 'dataset' (a JSONL file)");
  LLMCP_CHECK(!c.output_dir.empty(), kInvalidArgument, "the config needs 'output_dir'");
  check_train_config(c);
  return c;
}

nlohmann::ordered_json TrainConfig::to_json() const {
  nlohmann::ordered_json j;
  j["method"] = method_name(method);
  j["model"] = model;
  j["dataset"] = dataset;
  j["eval_dataset"] = eval_dataset;
  j["eval_fraction"] = eval_fraction;
  j["output_dir"] = output_dir;
  j["epochs"] = epochs;
  j["max_steps"] = max_steps;
  j["batch_size"] = batch_size;
  j["gradient_accumulation_steps"] = gradient_accumulation_steps;
  j["learning_rate"] = learning_rate;
  j["lr_scheduler"] = lr_scheduler;
  j["warmup_steps"] = warmup_steps;
  j["warmup_ratio"] = warmup_ratio;
  j["weight_decay"] = weight_decay;
  j["max_grad_norm"] = max_grad_norm;
  j["adam_beta1"] = adam_beta1;
  j["adam_beta2"] = adam_beta2;
  j["adam_epsilon"] = adam_epsilon;
  j["seq_len"] = seq_len;
  j["packing"] = packing;
  j["train_on_all"] = train_on_all;
  j["chat_template"] = chat_template;
  j["seed"] = seed;
  j["save_steps"] = save_steps;
  j["save_total_limit"] = save_total_limit;
  j["eval_steps"] = eval_steps;
  j["logging_steps"] = logging_steps;
  j["early_stopping_patience"] = early_stopping_patience;
  j["early_stopping_threshold"] = early_stopping_threshold;
  j["gradient_checkpointing"] = gradient_checkpointing;
  j["bf16"] = bf16;
  j["device"] = device;
  if (output_router_logits) j["output_router_logits"] = *output_router_logits;
  if (router_aux_loss_coef) j["router_aux_loss_coef"] = *router_aux_loss_coef;
  if (method != Method::kFull) j["adapter"] = peft::lora_config_to_json(lora);
  if (!quantization.empty()) j["quantization"] = quantization;
  if (!sparse.empty()) j["sparse"] = sparse;
  return j;
}

}  // namespace llmcp::train

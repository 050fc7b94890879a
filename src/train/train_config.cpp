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
#include "train/train_method.h"

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
  const std::string& s = n.Scalar();
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


}  // namespace

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
  // The trainer's keys into their fields (an alias first, so the key's own name wins; check_aliases
  // made sure they agree); every other key to the parser of its method.
  std::map<std::string, const ConfigKey*> by_name;
  for (const auto& k : train_config_keys()) by_name[k.name] = &k;
  json peft = json::object();
  for (const auto& k : train_config_keys()) {
    if (!j.contains(k.name) || j[k.name].is_null()) continue;
    const ConfigKey& target = k.alias_of ? *by_name.at(k.alias_of) : k;
    switch (k.use) {
      case KeyUse::kTrainer:
        if (target.set && k.alias_of) target.set(c, j[k.name]);
        break;
      case KeyUse::kAdapter: peft[k.name] = j[k.name]; break;
      case KeyUse::kQuantization: c.quantization[k.name] = j[k.name]; break;
      case KeyUse::kMethod: c.method_keys[k.name] = j[k.name]; break;
    }
  }
  for (const auto& k : train_config_keys())
    if (k.use == KeyUse::kTrainer && k.set && !k.alias_of && j.contains(k.name) && !j[k.name].is_null()) k.set(c, j[k.name]);

  // The adapter: PEFT's keys, with the seed's names (lora_rank = r; dropout_rate = lora_dropout
  // when that is absent).
  if (peft.contains("lora_rank")) peft["r"] = peft["lora_rank"];
  peft.erase("lora_rank");
  if (!peft.contains("lora_dropout") && peft.contains("dropout_rate")) peft["lora_dropout"] = peft["dropout_rate"];
  peft.erase("dropout_rate");
  if (peft.contains("task_type"))
    LLMCP_CHECK(peft["task_type"] == "CAUSAL_LM", kInvalidArgument, "task_type ", peft["task_type"].dump(),
                " is not supported; llm-mcp trains causal language models (CAUSAL_LM)");
  peft.erase("task_type");
  c.method = resolve_method(j, peft, c.quantization, c.method_keys);
  if (const auto* m = adapter_method(c.method)) {
    peft["peft_type"] = m->peft_type();
    for (auto it = c.method_keys.begin(); it != c.method_keys.end(); ++it) peft[it.key()] = it.value();
  }
  c.lora = peft::lora_config_from_json(peft, "the training config");
  if (c.full() && (!j.contains("learning_rate") || j["learning_rate"].is_null())) c.learning_rate = 2e-5;

  LLMCP_CHECK(!c.model.empty(), kInvalidArgument, "the config needs 'model' (a model folder)");
  LLMCP_CHECK(!c.dataset.empty(), kInvalidArgument, "the config needs 'dataset' (a JSONL file)");
  LLMCP_CHECK(!c.output_dir.empty(), kInvalidArgument, "the config needs 'output_dir'");
  check_train_config(c);
  return c;
}

quant::BnbKeys base_quantization(const TrainConfig& c) {
  auto k = quant::BnbKeys::from_json(c.quantization);
  if (c.method == "qlora" && !k.load_in_4bit && !k.load_in_8bit) {
    k.load_in_4bit = true;
    if (!k.quant_type_given) k.quant_type = quant::QuantType::kNf4;
  }
  return k;
}

nlohmann::ordered_json TrainConfig::to_json() const {
  nlohmann::ordered_json j;
  j["method"] = method;
  for (const auto& k : train_config_keys())
    if (k.get && !k.alias_of)
      if (auto v = k.get(*this); !v.is_null()) j[k.name] = v;
  if (!full()) j["adapter"] = peft::lora_config_to_json(lora);
  if (!quantization.empty()) j["quantization"] = quantization;
  if (!method_keys.empty()) j[lora.method] = method_keys;
  return j;
}

}  // namespace llmcp::train

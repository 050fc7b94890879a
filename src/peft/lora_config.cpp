// adapter_config.json reading (strict about meaning, lenient about PEFT's bookkeeping keys) and
// writing (sorted keys, PEFT's names and defaults) so PEFT loads what we save.
#include "peft/lora_config.h"

#include <cmath>
#include <regex>
#include <set>

#include "core/error.h"
#include "peft/method.h"

namespace llmcp::peft {
namespace {

using nlohmann::json;

// Keys whose non-default values change what an adapter computes, which we do not implement.
template <typename Json>
bool unsupported_value(const std::string& key, const Json& v) {
  if (v.is_null()) return false;
  if (key == "lora_bias" || key == "use_qalora" || key == "fan_in_fan_out") return v.is_boolean() && v.template get<bool>();
  if (key == "layer_replication" || key == "trainable_token_indices" || key == "target_parameters" ||
      key == "alora_invocation_tokens")
    return !(v.is_array() && v.empty()) && !(v.is_object() && v.empty());
  return false;
}

template <typename Json>
std::vector<std::string> string_list(const Json& v, const std::string& key, const std::string& source) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (v.is_string()) return {v.template get<std::string>()};
  LLMCP_CHECK(v.is_array(), kMalformedFile, source, ": '", key, "' must be a list of strings");
  for (const auto& e : v) {
    LLMCP_CHECK(e.is_string(), kMalformedFile, source, ": '", key, "' must be a list of strings, found ", e.dump());
    out.push_back(e.template get<std::string>());
  }
  return out;
}

// The patterns PEFT reads as regular expressions must compile, so a bad one is refused where the
// config is read (start_training, train's config check), not when the model is already loaded.
void check_regex(const std::string& pattern, const std::string& key) {
  try {
    std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    LLMCP_FAIL(kInvalidArgument, key, " '", pattern, "' is not a valid regular expression (", e.what(), ")");
  }
}

}  // namespace

double LoraConfig::scaling(int64_t rank, double alpha) const {
  return use_rslora ? alpha / std::sqrt(static_cast<double>(rank)) : alpha / static_cast<double>(rank);
}

void LoraConfig::validate() const {
  peft_method(method);  // a registered method
  LLMCP_CHECK(r > 0, kInvalidArgument, "lora rank r must be positive, got ", r);
  LLMCP_CHECK(lora_alpha > 0, kInvalidArgument, "lora_alpha must be positive, got ", lora_alpha);
  LLMCP_CHECK(lora_dropout >= 0 && lora_dropout < 1, kInvalidArgument, "lora_dropout must be in [0, 1), got ",
              lora_dropout);
  for (const auto& [k, v] : rank_pattern) {
    LLMCP_CHECK(v > 0, kInvalidArgument, "rank_pattern['", k, "'] must be positive, got ", v);
    check_regex(k, "a rank_pattern key");
  }
  for (const auto& [k, v] : alpha_pattern) {
    LLMCP_CHECK(v > 0, kInvalidArgument, "alpha_pattern['", k, "'] must be positive, got ", v);
    check_regex(k, "an alpha_pattern key");
  }
  if (target_modules && target_modules->kind == TargetModules::Kind::kRegex) check_regex(target_modules->regex, "target_modules");
  for (const auto& p : layers_pattern) check_regex(p, "layers_pattern");
  if (target_modules && target_modules->kind == TargetModules::Kind::kNames)
    LLMCP_CHECK(!target_modules->names.empty(), kInvalidArgument,
                "target_modules is empty; name modules (e.g. [\"q_proj\", \"v_proj\"]) or use \"all-linear\"");
}

const char* bias_mode_name(BiasMode b) {
  switch (b) {
    case BiasMode::kNone: return "none";
    case BiasMode::kAll: return "all";
    case BiasMode::kLoraOnly: return "lora_only";
  }
  return "none";
}

BiasMode parse_bias_mode(const std::string& s) {
  if (s == "none") return BiasMode::kNone;
  if (s == "all") return BiasMode::kAll;
  if (s == "lora_only") return BiasMode::kLoraOnly;
  LLMCP_FAIL(kInvalidArgument, "bias must be none, all or lora_only, got '", s, "'");
}

namespace {

// One body for both JSON flavours: an ordered one keeps the file's key order, which decides
// which rank_pattern / alpha_pattern key applies when several match (PEFT takes the first).
template <typename Json>
LoraConfig config_from_json(const Json& j, const std::string& source) {
  LLMCP_CHECK(j.is_object(), kMalformedFile, source, " must hold a JSON object");
  const std::string type = j.value("peft_type", std::string("LORA"));
  const PeftMethod* method = peft_method_of_type(type);
  if (!method) {
    std::string types;
    for (const auto* m : peft_methods()) types += (types.empty() ? "" : ", ") + m->peft_type();
    LLMCP_FAIL(kUnsupported, source, " is a '", type, "' adapter; the adapter types that load here are ", types,
               " (LORA with use_dora: true is DoRA)");
  }
  // PEFT >= 0.17 on transformers 5 writes LoRA on fused 3-D expert weights (Mixtral's
  // mlp.experts.gate_up_proj / down_proj; asking for w1/w2/w3 gives this too) as target_parameters.
  if (j.contains("target_parameters"))
    LLMCP_CHECK(!unsupported_value("target_parameters", j["target_parameters"]), kUnsupported, source,
                ": 'target_parameters' = ", j["target_parameters"].dump(),
                " is LoRA on fused 3-D parameters; llm-mcp reads it only for Mixtral's experts, when the adapter "
                "folder is loaded onto its base (peft/fused_experts). Otherwise merge it in PEFT "
                "(merge_and_unload(), then save_pretrained: the merged model loads here)");
  for (auto it = j.begin(); it != j.end(); ++it)
    LLMCP_CHECK(!unsupported_value(it.key(), it.value()), kUnsupported, source, ": '", it.key(), "' = ",
                it.value().dump(), " is not supported (remove it or train the adapter without it)");
  LoraConfig c;
  std::string key;  // the key being read, for the error message
  auto has = [&](const char* k) {
    key = k;
    return j.contains(k) && !j[k].is_null();
  };
  try {
    if (has("r")) c.r = j["r"].template get<int64_t>();
    if (has("lora_alpha")) c.lora_alpha = j["lora_alpha"].template get<double>();
    if (has("lora_dropout")) c.lora_dropout = j["lora_dropout"].template get<double>();
    if (has("target_modules")) {
      TargetModules t;
      const auto& v = j["target_modules"];
      if (v.is_string() && v.template get<std::string>() == "all-linear") {
        t.kind = TargetModules::Kind::kAllLinear;
      } else if (v.is_string()) {
        t.kind = TargetModules::Kind::kRegex;
        t.regex = v.template get<std::string>();
      } else {
        t.names = string_list(v, "target_modules", source);
      }
      c.target_modules = t;
    }
    key = "exclude_modules";
    c.exclude_modules = string_list(j.value("exclude_modules", Json()), "exclude_modules", source);
    key = "bias";
    c.bias = parse_bias_mode(j.value("bias", std::string("none")));
    if (has("use_rslora")) c.use_rslora = j["use_rslora"].template get<bool>();
    if (has("use_dora")) c.use_dora = j["use_dora"].template get<bool>();
    if (has("init_lora_weights")) {
      const auto& init = j["init_lora_weights"];
      LLMCP_CHECK(init.is_boolean() || init.is_string(), kInvalidArgument, source,
                  ": 'init_lora_weights' must be true, false or a PEFT method name, got ", init.dump());
      if (init.is_boolean()) {
        c.init = init.template get<bool>() ? LoraInit::kDefault : LoraInit::kNone;
      } else {
        // pissa, olora, ...: only the starting point differs; saved weights are final.
        const std::string m = init.template get<std::string>();
        static const std::set<std::string> kPeft = {"gaussian", "eva", "olora", "pissa", "corda", "loftq", "orthogonal"};
        LLMCP_CHECK(kPeft.count(m) || m.rfind("pissa_niter_", 0) == 0, kInvalidArgument, source,
                    ": init_lora_weights '", m, "' is unknown; PEFT's are true, false, gaussian, eva, olora, pissa, "
                    "pissa_niter_N, corda, loftq and orthogonal");
        c.init = m == "gaussian" ? LoraInit::kGaussian : LoraInit::kDefault;
      }
    }
    key = "modules_to_save";
    c.modules_to_save = string_list(j.value("modules_to_save", Json()), "modules_to_save", source);
    if (has("layers_to_transform")) {
      const auto& v = j["layers_to_transform"];
      c.layers_to_transform = v.is_number() ? std::vector<int64_t>{v.template get<int64_t>()} : v.template get<std::vector<int64_t>>();
      for (int64_t l : *c.layers_to_transform)
        LLMCP_CHECK(l >= 0, kInvalidArgument, source, ": layers_to_transform holds ", l, "; layer indices start at 0");
    }
    key = "layers_pattern";
    c.layers_pattern = string_list(j.value("layers_pattern", Json()), "layers_pattern", source);
    if (has("rank_pattern"))
      for (const auto& [k, v] : j["rank_pattern"].items()) c.rank_pattern.emplace_back(k, v.template get<int64_t>());
    if (has("alpha_pattern"))
      for (const auto& [k, v] : j["alpha_pattern"].items()) c.alpha_pattern.emplace_back(k, v.template get<double>());
    if (j.contains("base_model_name_or_path") && j["base_model_name_or_path"].is_string())
      c.base_model_name_or_path = j["base_model_name_or_path"].template get<std::string>();
    if (j.contains("revision") && j["revision"].is_string()) c.revision = j["revision"].template get<std::string>();
    key = "inference_mode";
    c.inference_mode = j.value("inference_mode", true);
    key = method->name() + " keys";
    c.method = method->name();
    c.options = method->read_options(json::parse(j.dump()), source);
  } catch (const json::exception&) {
    LLMCP_FAIL(kMalformedFile, source, ": '", key, "' has the wrong type: ", j.contains(key) ? j[key].dump() : "",
               " (r: an integer; lora_alpha, lora_dropout: numbers; rank_pattern / alpha_pattern: {regex: number}; "
               "layers_to_transform: an integer or a list of integers)");
  }
  c.validate();
  return c;
}

}  // namespace

LoraConfig lora_config_from_json(const json& j, const std::string& source) { return config_from_json(j, source); }
LoraConfig lora_config_from_json(const nlohmann::ordered_json& j, const std::string& source) {
  return config_from_json(j, source);
}

namespace {

json target_modules_json(const LoraConfig& c) {
  if (!c.target_modules) return nullptr;
  if (c.target_modules->kind == TargetModules::Kind::kAllLinear) return "all-linear";
  if (c.target_modules->kind == TargetModules::Kind::kRegex) return c.target_modules->regex;
  // PEFT stores the list as a set; written sorted so files are reproducible.
  std::set<std::string> sorted(c.target_modules->names.begin(), c.target_modules->names.end());
  return json(std::vector<std::string>(sorted.begin(), sorted.end()));
}

}  // namespace

nlohmann::ordered_json lora_config_to_json(const LoraConfig& c) {
  json j;  // nlohmann::json keeps keys sorted, as PEFT's json.dumps(sort_keys=True) does
  j["base_model_name_or_path"] = c.base_model_name_or_path.empty() ? json() : json(c.base_model_name_or_path);
  j["bias"] = bias_mode_name(c.bias);
  j["exclude_modules"] = c.exclude_modules.empty() ? json() : json(c.exclude_modules);
  j["inference_mode"] = c.inference_mode;
  j["layers_pattern"] = c.layers_pattern.empty() ? json() : json(c.layers_pattern);
  j["layers_to_transform"] = c.layers_to_transform ? json(*c.layers_to_transform) : json();
  j["modules_to_save"] = c.modules_to_save.empty() ? json() : json(c.modules_to_save);
  const auto& method = peft_method(c.method);
  j["peft_type"] = method.peft_type();
  j["revision"] = c.revision.empty() ? json() : json(c.revision);
  j["target_modules"] = target_modules_json(c);
  j["task_type"] = "CAUSAL_LM";
  method.write_options(c, j);
  auto out = nlohmann::ordered_json::parse(j.dump());
  // The patterns keep their order (the first matching key applies), so a file read in one order
  // is written in the same order.
  if (out.contains("alpha_pattern")) {
    out["alpha_pattern"] = nlohmann::ordered_json::object();
    for (const auto& [k, v] : c.alpha_pattern) out["alpha_pattern"][k] = nlohmann::ordered_json::parse(json_number(v).dump());
  }
  if (out.contains("rank_pattern")) {
    out["rank_pattern"] = nlohmann::ordered_json::object();
    for (const auto& [k, v] : c.rank_pattern) out["rank_pattern"][k] = v;
  }
  return out;
}

nlohmann::json json_number(double v) {
  return v == std::floor(v) && std::abs(v) < 1e15 ? json(static_cast<int64_t>(v)) : json(v);
}

}  // namespace llmcp::peft

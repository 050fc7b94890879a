// See fused_experts.h: PEFT's target_parameters LoRA on Mixtral's fused experts -> per-expert LoRA.
#include "peft/fused_experts.h"

#include <algorithm>
#include <regex>
#include <set>

#include "core/error.h"

namespace llmcp::peft {
namespace {

using nlohmann::ordered_json;

const char* kRemedy =
    "; merge it in PEFT (merge_and_unload(), then save_pretrained: the merged model loads here) or train the "
    "adapter here on w1/w2/w3";

// PEFT's get_pattern_key: the first key k (in file order) with name matching (.*\.)?(k)$.
template <typename V>
V pattern_value(const ordered_json& patterns, const std::string& name, V fallback) {
  if (!patterns.is_object()) return fallback;
  for (const auto& [k, v] : patterns.items())
    if (std::regex_match(name, std::regex("(.*\\.)?(" + k + ")"))) return v.template get<V>();
  return fallback;
}

std::string regex_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (std::string(".^$|()[]{}*+?\\").find(ch) != std::string::npos) out += '\\';
    out += ch;
  }
  return out;
}

}  // namespace

bool has_target_parameters(const ordered_json& config) {
  if (!config.is_object() || !config.contains("target_parameters")) return false;
  const auto& t = config["target_parameters"];
  return !t.is_null() && !(t.is_array() && t.empty());
}

void unfuse_expert_lora(ordered_json& config, std::map<std::string, at::Tensor>& tensors,
                        const std::vector<std::string>& linear_modules, int64_t num_experts, int64_t intermediate,
                        int64_t hidden, const std::string& source) {
  const auto& listed = config["target_parameters"];
  LLMCP_CHECK(listed.is_array(), kMalformedFile, source, ": 'target_parameters' must be a list of parameter names");
  // Which fused tensors the adapter names (validated; the tensors' roles come from their shapes).
  std::vector<std::string> params;
  for (const auto& p : listed) {
    LLMCP_CHECK(p.is_string(), kMalformedFile, source, ": 'target_parameters' must be a list of parameter names");
    const std::string name = p.get<std::string>();
    const bool known = name.ends_with("gate_up_proj") || name.ends_with("down_proj");
    LLMCP_CHECK(known && num_experts > 0, kUnsupported, source, ": 'target_parameters' = ", listed.dump(),
                " adapts fused parameters; llm-mcp reads only Mixtral's fused experts (gate_up_proj, down_proj)",
                kRemedy);
    params.push_back(name.ends_with("gate_up_proj") ? "gate_up_proj" : "down_proj");
  }
  LLMCP_CHECK(!config.value("use_dora", false), kUnsupported, source,
              ": DoRA on fused expert parameters (PEFT refuses it too)", kRemedy);
  const std::set<std::string> modules(linear_modules.begin(), linear_modules.end());
  const double alpha = config.value("lora_alpha", 8.0);
  const ordered_json rank_patterns = config.value("rank_pattern", ordered_json::object());
  const ordered_json alpha_patterns = config.value("alpha_pattern", ordered_json::object());

  // base_model.model.<layer>.mlp.experts.(base_layer.)*lora_(A|B).weight
  static const std::regex key_re(R"(base_model\.model\.(.+)\.mlp\.experts\.((?:base_layer\.)*)lora_([AB])\.weight)");
  std::map<std::string, at::Tensor> out;
  ordered_json new_ranks = ordered_json::object(), new_alphas = ordered_json::object();
  // (layer, nesting) -> A, B; then each pair's role from its shapes.
  std::map<std::pair<std::string, std::string>, std::map<char, at::Tensor>> nested;
  for (auto& [key, t] : tensors) {
    std::smatch m;
    if (!std::regex_match(key, m, key_re)) {
      out.emplace(key, t);
      continue;
    }
    nested[{m[1].str(), m[2].str()}][m[3].str()[0]] = t;
  }
  std::map<std::pair<std::string, std::string>, std::map<char, at::Tensor>> pairs;  // (layer, param) -> A, B
  for (const auto& [where, ab] : nested) {
    const std::string what = where.first + ".mlp.experts." + where.second + "lora_A/B";
    LLMCP_CHECK(ab.count('A') && ab.count('B'), kMalformedFile, source, ": ", what, ": lora_A or lora_B is missing");
    const at::Tensor& a = ab.at('A');
    const at::Tensor& b = ab.at('B');
    LLMCP_CHECK(a.dim() == 2 && b.dim() == 2, kShapeMismatch, source, ": ", what, " must be matrices");
    std::string param;
    if (a.size(1) == hidden && b.size(0) == 2 * intermediate) param = "gate_up_proj";
    else if (a.size(1) == intermediate && b.size(0) == hidden) param = "down_proj";
    LLMCP_CHECK(!param.empty() && std::find(params.begin(), params.end(), param) != params.end(), kShapeMismatch,
                source, ": ", what, " (lora_A ", a.sizes(), ", lora_B ", b.sizes(), ") fits neither gate_up_proj [in ",
                hidden, ", out ", 2 * intermediate, "] nor down_proj [in ", intermediate, ", out ", hidden,
                "] of this base's experts among target_parameters (does the adapter belong to this base?)");
    LLMCP_CHECK(!pairs.count({where.first, param}), kMalformedFile, source, ": ", where.first, ".mlp.experts.", param,
                " is adapted twice");
    pairs[{where.first, param}] = ab;
  }
  for (const auto& [where, ab] : pairs) {
    const auto& [layer, param] = where;
    const at::Tensor& a = ab.at('A');
    const at::Tensor& b = ab.at('B');
    const int64_t E = num_experts;
    LLMCP_CHECK(a.size(0) % E == 0 && b.size(1) == a.size(0), kShapeMismatch, source, ": ", layer, ".mlp.experts.",
                param, " lora_A ", a.sizes(), " / lora_B ", b.sizes(), " do not fit ", E,
                " experts (lora_A [E*r, in], lora_B [out, E*r])");
    const int64_t r = a.size(0) / E;
    const bool gate_up = param == "gate_up_proj";
    const std::string fused_name = layer + ".mlp.experts." + param;
    const double param_alpha = pattern_value<double>(alpha_patterns, fused_name, alpha);
    const std::string prefix = layer + ".block_sparse_moe.experts.";
    for (int64_t e = 0; e < E; ++e) {
      const at::Tensor a_e = a.narrow(0, e * r, r).contiguous();
      const at::Tensor b_e = b.index_select(1, at::arange(e, E * r, E, at::kLong)).contiguous();
      auto put = [&](const std::string& which, const at::Tensor& b_part) {
        const std::string module = prefix + std::to_string(e) + "." + which;
        LLMCP_CHECK(modules.count(module), kShapeMismatch, source, ": the adapter adapts ", module,
                    ", which this base does not have (does it belong to this base model?)");
        out["base_model.model." + module + ".lora_A.weight"] = a_e;
        out["base_model.model." + module + ".lora_B.weight"] = b_part.contiguous();
      };
      if (gate_up) {
        put("w1", b_e.narrow(0, 0, intermediate));
        put("w3", b_e.narrow(0, intermediate, intermediate));
      } else {
        put("w2", b_e);
      }
    }
    const std::string pattern = regex_escape(prefix) + "\\d+\\." + (gate_up ? "w[13]" : "w2");
    new_ranks[pattern] = r;
    new_alphas[pattern] = param_alpha;
  }
  tensors = std::move(out);

  // The config the per-expert tensors mean: these modules added to target_modules, their ranks and
  // alphas first in the patterns (so no broader pattern overrides them).
  std::vector<std::string> names;
  for (const auto& p : params)
    for (const char* w : p == "gate_up_proj" ? std::vector<const char*>{"w1", "w3"} : std::vector<const char*>{"w2"})
      names.push_back(w);
  auto& targets = config["target_modules"];
  if (targets.is_null() || (targets.is_array() && targets.empty())) {
    targets = names;
  } else if (targets.is_array()) {
    for (const auto& n : names) targets.push_back(n);
  } else if (targets.is_string() && targets.get<std::string>() != "all-linear") {
    std::string alt = "(?:" + targets.get<std::string>() + ")|(?:.*\\.block_sparse_moe\\.experts\\.\\d+\\.(?:";
    for (size_t i = 0; i < names.size(); ++i) alt += (i ? "|" : "") + names[i];
    targets = alt + "))";
  }
  for (const auto& [k, v] : rank_patterns.items())
    if (!new_ranks.contains(k)) new_ranks[k] = v;
  for (const auto& [k, v] : alpha_patterns.items())
    if (!new_alphas.contains(k)) new_alphas[k] = v;
  config["rank_pattern"] = new_ranks;
  config["alpha_pattern"] = new_alphas;
  config.erase("target_parameters");
}

}  // namespace llmcp::peft

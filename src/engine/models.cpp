// The support matrix: every registered architecture family against every training method,
// computed, not written by hand. A cell runs the method's own target planning (PEFT's rules, the
// family's default targets and module names) on the family's synthetic model shape; a method that
// needs something the family lacks (targets that match no module, no quantizable weight) shows
// the error it would raise.
#include <map>
#include <set>

#include "core/error.h"
#include "engine/engine.h"
#include "model/arch_registry.h"
#include "model/parameters.h"
#include "model/synthetic.h"
#include "peft/targets.h"
#include "train/train_config.h"
#include "train/train_method.h"

namespace llmcp::engine {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

std::string layout_of(const model::DecoderConfig& c) {
  std::string s = c.norm == model::NormKind::kRmsNorm ? "RMSNorm" : "LayerNorm";
  s += c.mlp == model::MlpKind::kGatedSilu ? ", SwiGLU" : ", GELU";
  s += c.qkv == model::QkvKind::kFused ? ", fused QKV" : "";
  s += c.block == model::BlockKind::kParallel ? ", parallel attention+MLP" : "";
  if (c.sliding_window) s += ", sliding window";
  if (c.moe) s += ", mixture of experts";
  return s;
}

// One cell: can `method` train `family`, and what does it train by default.
nlohmann::ordered_json cell(const std::string& method, const model::WeightNames& names,
                            const std::vector<std::string>& linears, int64_t quantizable, int64_t parameters) {
  nlohmann::ordered_json out;
  try {
    const auto* adapter = train::adapter_method(method);
    if (!adapter) {
      out["trains"] = "every parameter (" + std::to_string(parameters) + " in the tiny preset)";
    } else {
      peft::LoraConfig lora;  // the method's defaults: target_modules unset = the family's default
      lora.method = adapter->name();
      auto plan = peft::plan_targets(lora, linears, names.lm_head, names.default_targets);
      train::TrainConfig c;
      c.method = method;
      const auto q = train::base_quantization(c);
      if (q.load_in_4bit || q.load_in_8bit) LLMCP_CHECK(quantizable > 0, kUnsupported, "no linear weight to quantize");
      std::set<std::string> suffixes;
      for (const auto& t : plan) suffixes.insert(t.module.substr(t.module.rfind('.') + 1));
      out["trains"] = join({suffixes.begin(), suffixes.end()}) + " (" + std::to_string(plan.size()) + " modules)";
    }
    out["supported"] = true;
  } catch (const core::Error& e) {
    out["supported"] = false;
    out["reason"] = e.what();
  }
  return out;
}

}  // namespace

std::vector<std::string> model_families() {
  std::set<std::string> f;
  for (const auto* a : model::registered_archs()) f.insert(a->family);
  return {f.begin(), f.end()};
}

nlohmann::json support_matrix() {
  const auto methods = train::training_methods();
  std::map<std::string, std::vector<std::string>> archs;  // family -> HF names
  for (const auto* a : model::registered_archs()) archs[a->family].push_back(a->hf_name);
  nlohmann::ordered_json families = nlohmann::ordered_json::array();
  for (const auto& [family, hf_names] : archs) {
    model::SyntheticSpec spec;
    spec.family = family;
    const auto c = model::synthetic_config(spec);
    const auto names = model::find_arch(c.architecture).names(c);
    std::vector<std::string> linears;
    std::set<std::string> target_names;
    int64_t quantizable = 0;
    for (const auto& s : model::parameter_specs(c, names)) {
      if (!s.name.ends_with(".weight") || s.shape.size() != 2) continue;
      const std::string module = s.name.substr(0, s.name.size() - 7);
      if (s.quantizable) {
        ++quantizable;
        linears.push_back(module);
        target_names.insert(module.substr(module.rfind('.') + 1));
      } else if (module == names.lm_head) {
        linears.push_back(module);
      }
    }
    nlohmann::ordered_json f;
    f["family"] = family;
    f["architectures"] = hf_names;
    f["layout"] = layout_of(c);
    f["target_modules"] = std::vector<std::string>(target_names.begin(), target_names.end());
    f["default_target_modules"] = names.default_targets;
    nlohmann::ordered_json cells;
    for (const auto& m : methods) cells[m] = cell(m, names, linears, quantizable, c.parameter_count());
    f["methods"] = cells;
    families.push_back(f);
  }
  nlohmann::ordered_json out;
  out["methods"] = nlohmann::ordered_json::array();
  for (const auto& m : methods) out["methods"].push_back(m);
  out["families"] = families;
  return out;
}

}  // namespace llmcp::engine

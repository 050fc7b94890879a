// Model shapes from config.json through the architecture registry and the decoder's parameter
// list (model/parameters.cpp), so the planner counts exactly the tensors the loader would read.
#include "train/plan/model_shape.h"

#include <algorithm>

#include "core/atomic_file.h"
#include "core/error.h"
#include "io/hf_config.h"
#include "model/parameters.h"

namespace llmcp::plan {

ModelShape model_shape_from_config(const nlohmann::json& config_json, const std::string& name,
                                   const std::string& source) {
  ModelShape s;
  s.name = name;
  s.source = source;
  auto hf = io::HfConfig::from_json(config_json, source);
  s.config = model::find_arch(hf.architecture()).parse_config(hf);
  s.config.validate();
  s.names = model::find_arch(s.config.architecture).names(s.config);
  s.layer = model::layer_modules(s.config, s.names);
  for (const auto& p : model::parameter_specs(s.config, s.names)) {
    int64_t n = 1;
    for (auto d : p.shape) n *= d;
    s.tensors.emplace_back(p.name, n);
    s.parameters += n;
    s.largest_tensor = std::max(s.largest_tensor, n);
    if (p.quantizable) s.quantizable_parameters += n;
    if (!p.name.ends_with(".weight") || p.shape.size() != 2) continue;
    const std::string module = p.name.substr(0, p.name.size() - 7);
    if (p.quantizable || module == s.names.lm_head) s.linears.push_back({module, p.shape[0], p.shape[1], p.quantizable});
  }
  return s;
}

ModelShape load_model_shape(const std::string& model) {
  const std::filesystem::path dir(model);
  if (std::filesystem::is_regular_file(dir / "config.json")) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(core::read_file(dir / "config.json"));
    } catch (const nlohmann::json::exception& e) {
      LLMCP_FAIL(kMalformedFile, (dir / "config.json").string(), " is not valid JSON: ", e.what());
    }
    return model_shape_from_config(j, dir.filename().string(), dir.string());
  }
  if (const auto* j = known_model_config(model)) return model_shape_from_config(*j, model, "built-in: " + model);
  std::string known;
  for (const auto& id : known_model_ids()) known += "\n  " + id;
  LLMCP_FAIL(kNotFound, "no config.json in '", model,
             "': pass a model folder (config.json alone is enough to plan) or one of the built-in Hub ids:", known);
}

}  // namespace llmcp::plan

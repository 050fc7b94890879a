// What the OpenAI API serves: which base model and adapter a request's `model` names, what
// GET /v1/models lists, and which base a runtime-loaded adapter goes on. Either one base model
// under its served name with the registered adapters (serve-openai, serve --http --model), or the
// workspace's models by name, each with its adapters (serve --http alone), as vLLM lists one
// base with its LoRA modules.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "api/openai_api.h"
#include "engine/serving.h"

namespace llmcp::api {

class ServedModels {
 public:
  ServedModels(engine::Serving& serving, const ApiOptions& options);

  struct Target {
    std::string model_dir;
    std::string adapter;  // "" = the base alone
  };
  // A request's `model`: the base's served name (or its folder), a registered adapter's name, or
  // (workspace) a model's name, folder or Hub id. kNotFound says what GET /v1/models lists.
  Target resolve(const std::string& model) const;
  nlohmann::json list() const;  // OpenAI's list object
  // The base model folder a new adapter named `name` goes on (checking the name is free): the one
  // model, or (workspace) the request's `base_model`, else the adapter's base_model_name_or_path.
  std::string base_for(const std::string& name, const nlohmann::json& body, const std::string& adapter_folder) const;
  const std::string& default_name() const { return opt_.served_name; }  // "" in workspace mode

 private:
  bool workspace() const { return opt_.model_dir.empty(); }
  std::string model_folder(const std::string& ref) const;  // workspace: a model's folder, or ""

  engine::Serving& serving_;
  const ApiOptions& opt_;
  std::string model_path_;  // the one model's canonical folder
};

}  // namespace llmcp::api

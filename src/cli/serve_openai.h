// The OpenAI API's set-up shared by `serve-openai` and `serve --http`: the adapters given on the
// command line loaded, the model loaded, the admission check in OpenAI's error shape. Without a
// model (`serve --http` alone) the API serves the workspace's models by name.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/openai_api.h"
#include "engine/serving.h"

namespace llmcp::mcp {
struct AccessPolicy;
}

namespace llmcp::cli {

struct OpenAiServing {
  std::string model, served_name;
  std::vector<std::string> loras;  // NAME=PATH
  bool runtime_lora = false;
  size_t max_body_bytes = 4 << 20;
  // Without `model`: the workspace's models (api::ApiOptions::model_path, list_models).
  std::function<std::string(const std::string&)> model_path;
  std::function<std::vector<std::pair<std::string, std::string>>()> list_models;
};

// Loads the model and --lora adapters (paths through `adapter_path`, which also checks runtime
// loads when allowed) and builds the API.
std::unique_ptr<api::OpenAiApi> make_openai_api(engine::Serving& serving, OpenAiServing& o,
                                                const std::function<std::string(const std::string&)>& adapter_path);
api::Admit openai_admit(const mcp::AccessPolicy& policy);

}  // namespace llmcp::cli

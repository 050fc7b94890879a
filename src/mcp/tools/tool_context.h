// What the llm-mcp tool groups share: the server (for notifications), the workspace (every path
// a client passes is resolved there), loaded models and adapters, and the training jobs. Each
// group (models, data, training, adapters, inference, planning) adds its tools in its own file.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/workspace.h"
#include "engine/serving.h"
#include "mcp/jobs/supervisor.h"
#include "mcp/server.h"

namespace llmcp::mcp {

// A model this server offers by name (list_models, GET /v1/models of serve --http).
struct ModelEntry {
  std::string name;  // the folder's name, or a Hub repo id
  std::filesystem::path folder;
  std::string source;  // workspace | built-in | hub-cache
};

struct ToolContext {
  Server& server;
  core::Workspace& workspace;
  engine::Serving& serving;
  Supervisor& jobs;

  // A model folder from a name (workspace models/, then the built-in ones), a path, or a Hub id
  // in the cache.
  std::string model_path(const std::string& ref) const;
  // The models offered by name: the workspace's models/, the built-in ones, the Hugging Face
  // cache's (main snapshots inside the cache).
  std::vector<ModelEntry> models() const;
  std::string adapter_path(const std::string& ref) const;
  std::string dataset_path(const std::string& ref) const;
  // Whether a folder entry may be listed: it (or what its symlink points to) is readable here.
  // Lists show only what the other tools then accept.
  bool listable(const std::filesystem::path& entry) const;
};

void add_model_tools(ToolContext& ctx);
void add_planning_tools(ToolContext& ctx);
void add_data_tools(ToolContext& ctx);
void add_training_tools(ToolContext& ctx);
void add_adapter_tools(ToolContext& ctx);
void add_inference_tools(ToolContext& ctx);
void add_workspace_resources(ToolContext& ctx);
void add_prompts(ToolContext& ctx);

// JSON Schema building blocks for tool definitions.
namespace schema {
Json string(const std::string& description);
Json integer(const std::string& description, std::optional<int64_t> minimum = std::nullopt,
             std::optional<int64_t> maximum = std::nullopt);
Json number(const std::string& description, std::optional<double> minimum = std::nullopt,
            std::optional<double> maximum = std::nullopt);
Json boolean(const std::string& description);
Json array(Json items, const std::string& description);
Json enumeration(std::vector<std::string> values, const std::string& description);
// {"type": "object", "properties", "required", "additionalProperties": false}
Json object(const std::vector<std::pair<std::string, Json>>& properties, const std::vector<std::string>& required = {});
// The same, open to more keys (output schemas whose objects may grow).
Json open_object(const std::vector<std::pair<std::string, Json>>& properties, const std::vector<std::string>& required = {});
Json any(const std::string& description);
}  // namespace schema

}  // namespace llmcp::mcp

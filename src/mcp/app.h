// The llm-mcp MCP server as a whole: the protocol server with every tool group, the workspace,
// loaded models and the training-job supervisor, built from the `serve` options. Transports
// (stdio, HTTP) run it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/serving.h"
#include "mcp/server.h"

namespace llmcp::mcp {

struct AppOptions {
  std::filesystem::path home;                      // the workspace
  std::vector<std::filesystem::path> allow_paths;  // more roots clients may use
  std::filesystem::path builtin_dir;               // read-only built-in models and data (examples/)
  std::filesystem::path executable;                // the llm-mcp binary that runs training jobs
  size_t max_jobs = 1;                             // training jobs running at once
  int64_t cache_bytes = int64_t{8} << 30;          // loaded models' memory budget
  int64_t max_loaded_adapters = 0;                 // per model (0: no limit); see ServingOptions
  size_t page_size = 100;
  std::string device = "auto";                     // where models load and evaluations run
  bool conformance_fixtures = false;
};

class App {
 public:
  explicit App(const AppOptions& options);
  ~App();
  Server& server();
  engine::Serving& serving();  // the loaded models, shared with the OpenAI API on the same port
  // A client's adapter folder resolved inside the workspace (symlinks followed); throws otherwise.
  std::string adapter_path(const std::string& ref) const;
  // A model's folder from its name (list_models), a path inside the workspace or a Hub id in the
  // cache; and the models offered by name, {name, folder}. For the OpenAI API on the same port.
  std::string model_path(const std::string& ref) const;
  std::vector<std::pair<std::string, std::string>> models() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmcp::mcp

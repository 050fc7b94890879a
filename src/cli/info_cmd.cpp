// `llm-mcp info`: architecture, size and memory needs of a model folder, as JSON.
#include <iostream>

#include "cli/commands.h"
#include "engine/engine.h"

namespace llmcp::cli {

void add_info_command(CLI::App& app) {
  auto model = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("info", "Describe a model folder (architecture, parameters, memory)");
  cmd->add_option("--model", *model, "Model folder")->required();
  cmd->callback([model] { std::cout << engine::model_info(*model).dump(2) << std::endl; });
}

}  // namespace llmcp::cli

// llm-mcp entry point: wires the subcommands and is the one place that turns an error into a
// message on stderr and an exit status.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.h"
#include "core/error.h"
#include "core/log.h"

int main(int argc, char** argv) {
  llmcp::core::init_logging();
  CLI::App app{"llm-mcp: fine-tune and serve open LLMs (CLI and MCP server)"};
  app.require_subcommand(1);
  llmcp::cli::add_create_model_command(app);
  llmcp::cli::add_info_command(app);
  llmcp::cli::add_models_command(app);
  llmcp::cli::add_generate_command(app);
  llmcp::cli::add_text_commands(app);
  llmcp::cli::add_train_commands(app);
  llmcp::cli::add_serve_command(app);
  llmcp::cli::add_estimate_command(app);
  llmcp::cli::add_recommend_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const llmcp::core::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return e.code() == llmcp::core::ErrorCode::kInternal ? 70 : 1;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << "\n";
    return 70;
  }
  return 0;
}

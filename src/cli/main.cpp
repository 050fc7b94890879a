// llm-mcp entry point: wires the subcommands and is the one place that turns an error into a
// message on stderr and an exit status.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.h"
#include "core/error.h"
#include "core/log.h"
#include "engine/engine.h"

int main(int argc, char** argv) {
  llmcp::core::init_logging();
  CLI::App app{"llm-mcp: fine-tune and serve open LLMs (CLI and MCP server)"};
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("--version", version, "Print the version, git commit, libtorch version and CUDA support");
  app.add_subcommand("help", "Print this help")->callback([&app] {
    std::cout << app.get_formatter()->make_help(&app, app.get_name(), CLI::AppFormatMode::Normal);
  });
  llmcp::cli::add_create_model_command(app);
  llmcp::cli::add_info_command(app);
  llmcp::cli::add_models_command(app);
  llmcp::cli::add_generate_command(app);
  llmcp::cli::add_text_commands(app);
  llmcp::cli::add_train_commands(app);
  llmcp::cli::add_serve_command(app);
  llmcp::cli::add_serve_openai_command(app);
  llmcp::cli::add_estimate_command(app);
  llmcp::cli::add_recommend_command(app);
  llmcp::cli::add_download_command(app);
  try {
    app.parse(argc, argv);
    if (version) {
      const auto b = llmcp::engine::build_info();
      std::cout << "llm-mcp " << b["version"].get<std::string>() << " (commit " << b["commit"].get<std::string>()
                << ")\nlibtorch " << b["libtorch"].get<std::string>() << "\nCUDA: "
                << (b["cuda_build"].get<bool>() ? (b["cuda_available"].get<bool>() ? "yes" : "built in, no device found")
                                                : "no (CPU build)")
                << std::endl;
    } else if (app.get_subcommands().empty()) {
      std::cout << app.help();
      return 1;
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    // The one place a CLI error becomes a message: never a libtorch stack (core::user_message).
    const auto code = llmcp::core::user_code(e);
    std::cerr << (code == llmcp::core::ErrorCode::kInternal ? "" : "error: ") << llmcp::core::user_message(e) << "\n";
    return code == llmcp::core::ErrorCode::kInternal ? 70 : 1;
  }
  return llmcp::cli::exit_status();
}

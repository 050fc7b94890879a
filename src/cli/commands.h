// Each subcommand lives in its own file and registers itself on the CLI11 app here.
#pragma once

#include <CLI/CLI.hpp>

namespace llmcp::cli {

void add_create_model_command(CLI::App& app);
void add_info_command(CLI::App& app);
void add_models_command(CLI::App& app);
void add_generate_command(CLI::App& app);
void add_text_commands(CLI::App& app);   // tokenize, detokenize, render-chat
void add_train_commands(CLI::App& app);  // train, merge, eval
void add_serve_command(CLI::App& app);   // the MCP server
void add_serve_openai_command(CLI::App& app);  // the OpenAI-compatible API alone
void add_estimate_command(CLI::App& app);  // the memory planner
void add_recommend_command(CLI::App& app);
void add_download_command(CLI::App& app);  // the Hugging Face Hub

// The process's exit status when no error was thrown (0; 130 after a run stopped by Ctrl-C).
int& exit_status();

}  // namespace llmcp::cli

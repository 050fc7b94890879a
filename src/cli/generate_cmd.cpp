// `llm-mcp generate`: streams generated text to stdout; statistics go to stderr.
#include <iostream>

#include "cli/commands.h"
#include "cli/model_ref.h"
#include "cli/flag_checks.h"
#include "engine/engine.h"

namespace llmcp::cli {

void add_generate_command(CLI::App& app) {
  auto req = std::make_shared<engine::GenerateRequest>();
  auto* cmd = app.add_subcommand("generate", "Generate text from a prompt");
  auto model_opt = std::make_shared<ModelOption>(cmd, req->model_dir, "Model");
  cmd->add_option("--adapter", req->adapter_dir, "PEFT adapter folder applied on the model (LoRA, DoRA or sparse)");
  cmd->add_option("--prompt", req->prompt, "Prompt text")->required();
  // Unset sampling options come from the model's generation_config.json (greedy if it has none).
  cmd->add_option("--max-new-tokens", req->max_new_tokens, "Tokens to generate at most (default 128, shortened to fit the context)");
  cmd->add_option("--temperature", req->temperature, "0 = greedy");
  cmd->add_option("--top-k", req->top_k, "Keep the k most likely tokens (0 = off; 50 when sampling)");
  cmd->add_option("--top-p", req->top_p, "Nucleus sampling mass (1 = off)");
  cmd->add_option("--min-p", req->min_p, "Drop tokens below min-p x top probability (0 = off)");
  cmd->add_option("--repetition-penalty", req->repetition_penalty, "1 = off");
  cmd->add_flag("--truncate", req->truncate, "A prompt longer than the model's context keeps its last tokens (default: an error)");
  cmd->add_option("--seed", req->seed, "Sampling seed")->capture_default_str()->check(at_least(0));
  cmd->add_option("--stop", req->stop, "Stop string (repeatable)");
  cmd->add_option("--dtype", req->dtype, "auto | float32 | bfloat16 | float16")->capture_default_str();
  cmd->add_option("--device", req->device, "cpu | cuda | cuda:N | auto (the first GPU if any)")
      ->capture_default_str()
      ->check(device_name());
  cmd->callback([req, model_opt] {
    model_opt->resolve();
    auto r = engine::generate(*req, [](const std::string& piece) {
      std::cout << piece << std::flush;
      return true;
    });
    std::cout << std::endl;
    if (r.truncated_tokens > 0)
      std::cerr << "the prompt's first " << r.truncated_tokens << " tokens were dropped to fit the context\n";
    std::cerr << "[" << r.finish_reason << "] prompt " << r.prompt_tokens << " tokens, generated "
              << r.completion_tokens << " tokens; prefill " << static_cast<int64_t>(r.prefill_tokens_per_second)
              << " tok/s, decode " << static_cast<int64_t>(r.decode_tokens_per_second) << " tok/s\n";
  });
}

}  // namespace llmcp::cli

// `llm-mcp train`, `merge` and `eval`: fine-tuning from a YAML config, merging an adapter into a
// model folder, and measuring loss / perplexity / tool-call accuracy.
#include <csignal>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "engine/training.h"

namespace llmcp::cli {
namespace {

// Set by SIGTERM/SIGINT in a supervised run (--job-dir): the trainer finishes its step, writes a
// checkpoint and stops.
std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }

// A supervised run (the MCP server's training jobs): signals stop the run cleanly, and the
// outcome lands in DIR/result.json or DIR/error.json (atomically) for the supervisor to read.
void run_job(engine::TrainRequest& req, const std::filesystem::path& job_dir) {
  static_assert(std::atomic<bool>::is_always_lock_free);
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);
  req.stop = &g_stop;
  try {
    auto result = engine::train(req);
    core::write_file_atomic(job_dir / "result.json", result.dump(2) + "\n");
    std::cout << result.dump(2) << std::endl;
  } catch (const core::Error& e) {
    core::write_file_atomic(job_dir / "error.json",
                            nlohmann::json{{"message", e.what()}, {"code", core::error_code_name(e.code())}}.dump(2));
    throw;
  } catch (const std::exception& e) {
    core::write_file_atomic(job_dir / "error.json",
                            nlohmann::json{{"message", std::string("internal error: ") + e.what()}, {"code", "internal"}}.dump(2));
    throw;
  }
}

void add_train(CLI::App& app) {
  auto req = std::make_shared<engine::TrainRequest>();
  auto dry_run = std::make_shared<bool>(false);
  auto job_dir = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("train", "Fine-tune a model (LoRA, DoRA or full) from a YAML config");
  cmd->add_option("config", req->config_path, "YAML (or JSON) config; keys are listed in the README")->required();
  cmd->add_option("--set", req->overrides, "Override a config key: --set learning_rate=1e-4 (repeatable)");
  cmd->add_flag("--resume", req->resume, "Continue from the newest checkpoint in output_dir");
  cmd->add_flag("--dry-run", *dry_run, "Print the resolved config and exit");
  cmd->add_option("--job-dir", *job_dir,
                  "Supervised run (used by the MCP server): SIGTERM stops after a checkpoint; the outcome is "
                  "written to DIR/result.json or DIR/error.json");
  cmd->callback([req, dry_run, job_dir] {
    if (*dry_run) {
      std::cout << engine::resolve_train_config(*req).dump(2) << std::endl;
      return;
    }
    if (!job_dir->empty()) return run_job(*req, *job_dir);
    std::cout << engine::train(*req).dump(2) << std::endl;
  });
}

void add_merge(CLI::App& app) {
  auto req = std::make_shared<engine::MergeRequest>();
  auto* cmd = app.add_subcommand("merge", "Merge a PEFT adapter into its base and write a model folder");
  cmd->add_option("--model", req->model_dir, "Base model folder")->required();
  cmd->add_option("--adapter", req->adapter_dir, "PEFT adapter folder")->required();
  cmd->add_option("--out", req->out_dir, "Output model folder")->required();
  cmd->add_option("--dtype", req->dtype, "auto | float32 | bfloat16 | float16 (auto: the base's)")->capture_default_str();
  cmd->add_flag("--dense", req->dense,
                "Quantized base: write dense merged weights instead of re-quantizing (which rounds)");
  cmd->callback([req] { std::cout << engine::merge_adapter(*req).dump(2) << std::endl; });
}

void add_quantize(CLI::App& app) {
  auto req = std::make_shared<engine::QuantizeRequest>();
  auto* cmd = app.add_subcommand("quantize", "Quantize a model's linear weights (bitsandbytes layout) into a new folder");
  cmd->add_option("--model", req->model_dir, "Model folder")->required();
  cmd->add_option("--out", req->out_dir, "Output model folder")->required();
  cmd->add_option("--type", req->type, "nf4 | fp4 | int8")->capture_default_str();
  cmd->add_option("--blocksize", req->blocksize, "values per 4-bit block (32..4096)")->capture_default_str();
  cmd->add_flag("--double-quant", req->double_quant, "quantize the absmax constants too (bnb_4bit_use_double_quant)");
  cmd->add_option("--compute-dtype", req->compute_dtype, "float32 | bfloat16 | float16 (bnb_4bit_compute_dtype)")
      ->capture_default_str();
  cmd->callback([req] { std::cout << engine::quantize_model(*req).dump(2) << std::endl; });
}

void add_eval(CLI::App& app) {
  auto req = std::make_shared<engine::EvalRequest>();
  auto json = std::make_shared<bool>(false);
  auto verbose = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("eval", "Loss, perplexity and tool-call exact match of a model on a dataset");
  cmd->add_option("--model", req->model_dir, "Model folder")->required();
  cmd->add_option("--adapter", req->adapter_dir, "PEFT adapter folder");
  cmd->add_option("--data", req->data_path, "JSONL dataset")->required();
  cmd->add_option("--batch-size", req->batch_size, "Sequences per batch")->capture_default_str();
  cmd->add_option("--seq-len", req->seq_len, "Truncate longer examples")->capture_default_str();
  cmd->add_option("--template", req->chat_template, "Chat template name or .jinja file");
  cmd->add_option("--max-new-tokens", req->max_new_tokens, "Tokens generated per tool-call case")->capture_default_str();
  cmd->add_flag("--no-tool-calls", [req](int64_t) { req->tool_calls = false; }, "Skip tool-call exact match");
  cmd->add_flag("--json", *json, "Print one JSON object");
  cmd->add_flag("--verbose", *verbose, "Print every tool-call case");
  cmd->callback([req, json, verbose] {
    if (*verbose)
      req->on_case = [](const nlohmann::ordered_json& c) {
        std::cerr << (c["match"].get<bool>() ? "ok   " : "MISS ") << c["input"].get<std::string>() << "\n     -> "
                  << c["calls"].dump() << "\n";
      };
    auto r = engine::evaluate(*req);
    if (*json) {
      std::cout << r.dump(2) << std::endl;
      return;
    }
    std::cout << "loss " << r["loss"].get<double>() << " (per target token), perplexity "
              << r["perplexity"].get<double>() << ", " << r["tokens"] << " target tokens in " << r["examples"]
              << " examples\n";
    if (r.contains("tool_calls"))
      std::cout << "tool-call exact match: " << r["tool_calls"]["exact_match"] << " / " << r["tool_calls"]["cases"]
                << " (" << 100.0 * r["tool_calls"]["accuracy"].get<double>() << "%)\n";
  });
}

}  // namespace

void add_train_commands(CLI::App& app) {
  add_train(app);
  add_merge(app);
  add_quantize(app);
  add_eval(app);
}

}  // namespace llmcp::cli

// `llm-mcp train`, `merge` and `eval`: fine-tuning from a YAML config, merging an adapter into a
// model folder, and measuring loss / perplexity / tool-call accuracy.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string_view>
#include <csignal>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/flag_checks.h"
#include "cli/model_ref.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "dist/launch.h"
#include "engine/training.h"

namespace llmcp::cli {
namespace {

// Set by the first SIGINT/SIGTERM: the trainer finishes its step, writes a checkpoint and stops.
// A second signal ends the process at once (the last complete checkpoint stays resumable).
std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) {
  if (g_stop.exchange(true)) ::_exit(130);
  static const char msg[] =
      "\nllm-mcp: stopping after this step and writing a checkpoint (press Ctrl-C again to quit at once)\n";
  [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
}

void install_stop_handlers(engine::TrainRequest& req) {
  static_assert(std::atomic<bool>::is_always_lock_free);
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  req.stop = &g_stop;
}

// A supervised run (the MCP server's training jobs): the outcome lands in DIR/result.json or
// DIR/error.json (atomically) for the supervisor to read.
void run_job(engine::TrainRequest& req, const std::filesystem::path& job_dir) {
  try {
    auto result = engine::train(req);
    core::write_file_atomic(job_dir / "result.json", result.dump(2) + "\n");
    std::cout << result.dump(2) << std::endl;
  } catch (const std::exception& e) {
    core::write_file_atomic(job_dir / "error.json",
                            nlohmann::json{{"message", core::user_message(e)},
                                           {"code", core::error_code_name(core::user_code(e))}}.dump(2));
    throw;
  }
}

std::string keys_help() {
  std::string text = "\nConfig keys (YAML or JSON; the seed's names and Hugging Face's; relative paths are taken from "
                     "the config file's folder):\n";
  for (const auto& k : engine::train_config_keys()) {
    std::string name = "  " + k.name + " (" + k.type + ")";
    if (name.size() < 34) name.resize(34, ' ');
    text += name + " " + k.help + "\n";
  }
  return text;
}

// Several processes (--nproc-per-node / --nnodes): this program started once per rank with the
// same training arguments (dist/launch.h); rank 0 alone reports to a supervised job's folder.
void launch_ranks(const engine::TrainRequest& req, dist::LaunchOptions launch, const std::string& job_dir) {
  launch.argv = {std::filesystem::read_symlink("/proc/self/exe").string(), "train", req.config_path};
  for (const auto& s : req.overrides) launch.argv.insert(launch.argv.end(), {"--set", s});
  if (req.resume) launch.argv.push_back("--resume");
  for (const auto& w : req.write_roots) launch.argv.insert(launch.argv.end(), {"--confine-to", w});
  launch.argv.insert(launch.argv.end(), {"--dist-timeout", std::to_string(req.dist_timeout_seconds)});
  if (!job_dir.empty()) launch.rank0_argv_extra = {"--job-dir", job_dir};
  const auto r = dist::launch(launch);
  if (r.status == 0) return;
  std::cerr << "llm-mcp: " << r.message << "; the group stopped. Resume with: llm-mcp train " << req.config_path
            << " --resume (the same options)\n";
  if (!job_dir.empty() && !std::filesystem::exists(std::filesystem::path(job_dir) / "error.json") &&
      !std::filesystem::exists(std::filesystem::path(job_dir) / "result.json"))
    core::write_file_atomic(std::filesystem::path(job_dir) / "error.json",
                            nlohmann::json{{"message", r.message + "; the group stopped (resume from the last checkpoint)"},
                                           {"code", "io"}}.dump(2));
  exit_status() = r.status;
}

void add_train(CLI::App& app) {
  auto req = std::make_shared<engine::TrainRequest>();
  auto dry_run = std::make_shared<bool>(false);
  auto job_dir = std::make_shared<std::string>();
  auto launch = std::make_shared<dist::LaunchOptions>();
  auto* cmd = app.add_subcommand("train", "Fine-tune a model (LoRA, QLoRA, DoRA, sparse or full) from a YAML config");
  cmd->add_option("config", req->config_path, "YAML (or JSON) config; every key is listed below")->required();
  cmd->add_option("--set", req->overrides, "Override a config key: --set learning_rate=1e-4 (repeatable)");
  cmd->add_flag("--resume", req->resume, "Continue from the newest checkpoint in output_dir");
  cmd->add_flag("--dry-run", *dry_run, "Check the config completely and print it resolved, without training");
  cmd->add_flag("--download", req->download, "The config's model is a Hub id the cache lacks: download it first");
  cmd->add_option("--job-dir", *job_dir,
                  "Supervised run (used by the MCP server): the outcome is written to DIR/result.json or "
                  "DIR/error.json");
  cmd->add_option("--confine-to", req->write_roots,
                  "Used by the MCP server: output_dir must stay inside DIR, checked before each write (repeatable)");
  cmd->add_option("--nproc-per-node", launch->nproc_per_node,
                  "Processes on this machine (data-parallel ranks; on CPUs they share the cores)")
      ->check(at_least(1, 1024))
      ->capture_default_str();
  cmd->add_option("--nnodes", launch->nnodes, "Machines taking part (each runs this command)")
      ->check(at_least(1, 4096))
      ->capture_default_str();
  cmd->add_option("--node-rank", launch->node_rank, "This machine's index, 0..nnodes-1")
      ->check(at_least(0, 4095))
      ->capture_default_str();
  cmd->add_option("--master-addr", launch->master_addr, "Address of node 0, where rank 0 serves the rendezvous")
      ->capture_default_str();
  cmd->add_option("--master-port", launch->master_port, "Its port")->check(at_least(1, 65535))->capture_default_str();
  cmd->add_option("--dist-timeout", req->dist_timeout_seconds,
                  "Seconds a rank waits for the others (rendezvous, each collective) before the run stops")
      ->check(at_least(1, 86400))
      ->capture_default_str();
  cmd->footer(keys_help());
  cmd->callback([req, dry_run, job_dir, launch] {
    if (*dry_run) {
      std::cout << engine::resolve_train_config(*req).dump(2) << std::endl;
      return;
    }
    if (launch->nproc_per_node > 1 || launch->nnodes > 1) {
      LLMCP_CHECK(launch->node_rank < launch->nnodes, kInvalidArgument, "--node-rank ", launch->node_rank,
                  " must be below --nnodes ", launch->nnodes);
      LLMCP_CHECK(!req->download, kInvalidArgument,
                  "--download with several processes: download the model first (llm-mcp download ID), then launch");
      engine::resolve_train_config(*req);  // a bad config fails once, here, not in every rank
      return launch_ranks(*req, *launch, *job_dir);
    }
    auto bars = std::make_shared<DownloadProgress>();
    req->on_download = [bars](const engine::HubDownloadProgress& p) { (*bars)(p); };
    install_stop_handlers(*req);
    if (!job_dir->empty()) return run_job(*req, *job_dir);
    const auto r = engine::train(*req);
    const char* rank = std::getenv("RANK");
    if (rank && *rank && std::string_view(rank) != "0") return;  // rank 0 reports for the group
    std::cout << r.dump(2) << std::endl;
    if (r.value("stop_reason", "") == "stopped") {
      std::cerr << "llm-mcp: stopped at step " << r["steps"] << "; the checkpoint is "
                << r.value("last_checkpoint", std::string("?")) << ". Continue with: llm-mcp train "
                << req->config_path << (req->overrides.empty() ? "" : " (the same --set options)") << " --resume\n";
      exit_status() = 130;
    }
  });
}

void add_merge(CLI::App& app) {
  auto req = std::make_shared<engine::MergeRequest>();
  auto* cmd = app.add_subcommand("merge", "Merge a PEFT adapter into its base and write a model folder");
  auto model_opt = std::make_shared<ModelOption>(cmd, req->model_dir, "Base model");
  cmd->add_option("--adapter", req->adapter_dir, "PEFT adapter folder")->required();
  cmd->add_option("--out", req->out_dir, "Output model folder")->required();
  cmd->add_option("--dtype", req->dtype, "auto | float32 | bfloat16 | float16 (auto: the base's)")->capture_default_str();
  cmd->add_flag("--overwrite", req->overwrite, "Replace --out if it exists and is not empty (never an input)");
  cmd->add_flag("--dense", req->dense,
                "Quantized base: write dense merged weights instead of re-quantizing (which rounds)");
  cmd->callback([req, model_opt] {
    model_opt->resolve();
    std::cout << engine::merge_adapter(*req).dump(2) << std::endl;
  });
}

void add_quantize(CLI::App& app) {
  auto req = std::make_shared<engine::QuantizeRequest>();
  auto* cmd = app.add_subcommand("quantize", "Quantize a model's linear weights (bitsandbytes layout) into a new folder");
  auto model_opt = std::make_shared<ModelOption>(cmd, req->model_dir, "Model");
  cmd->add_option("--out", req->out_dir, "Output model folder")->required();
  cmd->add_option("--type", req->type, "nf4 | fp4 | int8")->capture_default_str();
  cmd->add_option("--blocksize", req->blocksize, "values per 4-bit block (32..4096, a power of two)")
      ->capture_default_str()
      ->check(at_least(32, 4096));
  cmd->add_flag("--overwrite", req->overwrite, "Replace --out if it exists and is not empty (never the input)");
  cmd->add_flag("--double-quant", req->double_quant, "quantize the absmax constants too (bnb_4bit_use_double_quant)");
  cmd->add_option("--compute-dtype", req->compute_dtype, "float32 | bfloat16 | float16 (bnb_4bit_compute_dtype)")
      ->capture_default_str();
  cmd->callback([req, model_opt] {
    model_opt->resolve();
    std::cout << engine::quantize_model(*req).dump(2) << std::endl;
  });
}

void add_eval(CLI::App& app) {
  auto req = std::make_shared<engine::EvalRequest>();
  auto json = std::make_shared<bool>(false);
  auto verbose = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("eval", "Loss, perplexity and tool-call exact match of a model on a dataset");
  auto model_opt = std::make_shared<ModelOption>(cmd, req->model_dir, "Model");
  cmd->add_option("--adapter", req->adapter_dir, "PEFT adapter folder");
  cmd->add_option("--data", req->data_path, "JSONL dataset")->required();
  cmd->add_option("--batch-size", req->batch_size, "Sequences per batch")->capture_default_str()->check(at_least(1));
  cmd->add_option("--seq-len", req->seq_len, "Truncate longer examples")
      ->capture_default_str()
      ->check(at_least(2, int64_t{1} << 24));
  cmd->add_option("--template", req->chat_template, "Chat template name or .jinja file");
  cmd->add_option("--max-new-tokens", req->max_new_tokens, "Tokens generated per tool-call case")
      ->capture_default_str()
      ->check(at_least(0));
  cmd->add_option("--device", req->device, "cpu | cuda | cuda:N | auto (the first GPU if any)")
      ->capture_default_str()
      ->check(device_name());
  cmd->add_flag("--no-tool-calls", [req](int64_t) { req->tool_calls = false; }, "Skip tool-call exact match");
  cmd->add_flag("--json", *json, "Print one JSON object");
  cmd->add_flag("--verbose", *verbose, "Print every tool-call case");
  cmd->callback([req, json, verbose, model_opt] {
    model_opt->resolve();
    auto cases = std::make_shared<std::pair<int64_t, int64_t>>(0, 0);  // (cases, exact)
    const bool tty = ::isatty(2);
    req->on_case = [verbose, cases, tty](const nlohmann::ordered_json& c) {
      cases->first += 1;
      cases->second += c["match"].get<bool>();
      if (*verbose) {
        std::cerr << (c["match"].get<bool>() ? "ok   " : "MISS ") << c["input"].get<std::string>() << "\n     -> "
                  << c["calls"].dump() << "\n";
        if (!c["match"].get<bool>()) std::cerr << "     expected " << c["expected"].dump() << "\n";
      } else if (tty || cases->first % 10 == 0) {  // progress: generation is slow, say how far it is
        std::cerr << (tty ? "\r" : "") << "tool-call cases: " << cases->first << " generated, " << cases->second
                  << " exact" << (tty ? "" : "\n") << std::flush;
      }
    };
    auto r = engine::evaluate(*req);
    if (!*verbose && tty && cases->first > 0) std::cerr << "\n";
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

namespace llmcp::cli {

int& exit_status() {
  static int status = 0;
  return status;
}

}  // namespace llmcp::cli

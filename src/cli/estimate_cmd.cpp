// `llm-mcp estimate`: will this run fit, and where does the memory go. The settings come from flags
// or from a training config (--config, --set), the memory from --gpu NAME, --memory GB or this
// machine; --json prints engine::estimate_memory's record (fits, total_bytes, available_bytes,
// breakdown, ...), which the MCP tool estimate_memory returns too.
#include <iomanip>
#include <iostream>

#include "cli/commands.h"
#include "cli/flag_checks.h"
#include "core/error.h"
#include "core/format.h"
#include "engine/planning.h"
#include "engine/training.h"

namespace llmcp::cli {
namespace {

struct EstimateArgs {
  engine::EstimateRequest req;
  std::string config_path, method, target_modules;
  std::vector<std::string> overrides;
  int64_t seq_len = 0, batch_size = 0, lora_rank = 0;
  bool checkpointing = false, bf16 = false, fp32 = false, json = false;
};

void print(const nlohmann::json& j) {
  const auto& s = j["settings"];
  std::cout << j["model"]["name"].get<std::string>() << " (" << j["model"]["architecture"].get<std::string>() << ", "
            << core::with_commas(j["model"]["parameters"].get<int64_t>()) << " parameters), " << j["workload"].get<std::string>() << ", ";
  if (s.contains("context_tokens"))
    std::cout << s["batch_size"] << " x " << s["context_tokens"] << " tokens";
  else
    std::cout << s["method"].get<std::string>() << ", batch " << s["batch_size"] << " x seq " << s["seq_len"]
              << (s["gradient_checkpointing"].get<bool>() ? ", gradient checkpointing" : "");
  std::cout << (s["bf16"].get<bool>() ? ", bf16" : ", fp32") << ", " << s["device"].get<std::string>() << "\n\n";
  for (const char* part : {"weights", "gathered_layer", "trainable", "gradients", "optimizer", "allreduce_buckets",
                           "activations", "loss", "workspace", "kv_cache", "mask_update", "heap_retained", "runtime",
                           "cuda_context"}) {
    if (!j["breakdown"].contains(part)) continue;
    const auto bytes = j["breakdown"][part].get<int64_t>();
    std::cout << "  " << std::left << std::setw(17) << part << std::right << std::setw(9) << std::fixed
              << std::setprecision(2) << static_cast<double>(bytes) / (1 << 30) << " GiB";
    if (j["details"].contains(part)) std::cout << "  " << j["details"][part].get<std::string>();
    std::cout << "\n";
  }
  std::cout << "  " << std::left << std::setw(17) << "total" << std::right << std::setw(9) << std::fixed
            << std::setprecision(2) << static_cast<double>(j["total_bytes"].get<int64_t>()) / (1 << 30) << " GiB  (peak: "
            << j["peak_at"].get<std::string>() << ")\n\n";
  std::cout << (j["fits"].get<bool>() ? "fits " : "does NOT fit ") << j["hardware"]["name"].get<std::string>() << ": "
            << j["total"].get<std::string>() << " of " << j["available"].get<std::string>() << "\n";
  if (!j["advice"].empty()) {
    std::cout << "\nwhat would change it:\n";
    for (const auto& a : j["advice"])
      std::cout << "  " << (a["fits"].get<bool>() ? "fits:     " : "too big:  ") << a["change"].get<std::string>() << " -> "
                << a["total"].get<std::string>() << "\n";
  }
  if (j.contains("download")) {
    const auto& d = j["download"];
    std::cout << "\ndisk: `llm-mcp download " << d["repo"].get<std::string>() << "` fetches " << d["files"].size()
              << " files, " << core::format_bytes(d["total_bytes"].get<int64_t>()) << " ("
              << core::format_bytes(d["missing_bytes"].get<int64_t>()) << " not yet in the cache; "
              << core::format_bytes(d["free_bytes"].get<int64_t>()) << " free there)\n";
  }
}

}  // namespace

void add_estimate_command(CLI::App& app) {
  auto a = std::make_shared<EstimateArgs>();
  auto* cmd = app.add_subcommand("estimate", "Estimate the memory of a training run (or of inference) and whether it fits");
  cmd->add_option("--model", a->req.model, "Model folder (config.json alone is enough) or a Hub id ORG/NAME[@REV] (from the cache, built in, or its config.json fetched)")->required();
  std::string methods;
  for (const auto& m : engine::training_methods()) methods += (methods.empty() ? "" : " | ") + m;
  cmd->add_option("--method", a->method, methods + " (default lora)");
  cmd->add_option("--config", a->config_path, "A training config (YAML/JSON) whose settings to estimate");
  cmd->add_option("--set", a->overrides, "Override a config key: --set lora_rank=16 (repeatable)");
  cmd->add_option("--gpu", a->req.hardware.gpu, "Plan for this GPU: RTX 3090/4090 24GB, A6000 48GB, A100 40/80GB, H100 80GB, H200");
  cmd->add_option("--memory", a->req.hardware.memory_gb, "Plan for this much memory (GiB) instead")->check(amount_above_zero("GiB", 1 << 20));
  cmd->add_option("--gpus", a->req.hardware.gpus, "Number of such devices, one training process each: the estimate is per process (with shard_base each keeps 1/N of the base)")
      ->check(at_least(1, 64));
  cmd->add_option("--seq-len", a->seq_len, "Tokens per row (default 512)")->check(at_least(2, int64_t{1} << 24));
  cmd->add_option("--batch-size", a->batch_size, "Rows per micro-batch (default 4)")->check(at_least(1));
  cmd->add_option("--lora-rank", a->lora_rank, "LoRA/DoRA rank")->check(at_least(1));
  cmd->add_option("--target-modules", a->target_modules, "LoRA targets: all-linear or a comma-separated list");
  cmd->add_flag("--gradient-checkpointing", a->checkpointing, "Recompute each layer in backward");
  cmd->add_flag("--bf16", a->bf16, "bf16 mixed precision (the default when planning for a GPU)");
  cmd->add_flag("--fp32", a->fp32, "fp32 throughout (the default on the CPU)");
  cmd->add_option("--attention", a->req.attention, "sdpa (the fused kernel this program runs) or eager (the reference; top-k attention)");
  cmd->add_flag("--inference", a->req.inference, "Estimate generation instead of training");
  cmd->add_option("--context", a->req.context_tokens, "Inference: prompt + generated tokens per sequence")
      ->check(at_least(1));
  cmd->add_flag("--json", a->json, "Print the estimate as JSON");
  cmd->callback([a] {
    LLMCP_CHECK(!(a->bf16 && a->fp32), kInvalidArgument, "pass --bf16 or --fp32, not both");
    nlohmann::json config = nlohmann::json::object();
    if (!a->config_path.empty() || !a->overrides.empty()) {
      engine::TrainRequest t;
      t.config_path = a->config_path;
      t.overrides = a->overrides;
      config = engine::merged_train_config(t);
      for (const char* k : {"model", "dataset", "eval_dataset", "output_dir"}) config.erase(k);
    }
    if (!a->method.empty()) config["method"] = a->method;
    if (a->seq_len) config["seq_len"] = a->seq_len;
    if (a->batch_size) config["batch_size"] = a->batch_size;
    if (a->lora_rank) config["lora_rank"] = a->lora_rank;
    if (!a->target_modules.empty()) {
      if (a->target_modules == "all-linear") {
        config["target_modules"] = "all-linear";
      } else {
        nlohmann::json list = nlohmann::json::array();
        std::string item;
        for (char ch : a->target_modules + ",") {
          if (ch != ',') item += ch;
          else if (!item.empty()) list.push_back(item), item.clear();
        }
        config["target_modules"] = list;
      }
    }
    if (a->checkpointing) config["gradient_checkpointing"] = true;
    if (a->bf16) config["bf16"] = true;
    if (a->fp32) config["bf16"] = false;
    a->req.config = config;
    const auto j = engine::estimate_memory(a->req);
    if (a->json) std::cout << j.dump(2) << std::endl;
    else print(j);
  });
}

}  // namespace llmcp::cli

// `llm-mcp recommend`: a training config for this model, dataset and memory, following the seed's
// best practices, with one reason per choice; --out writes it (atomically) for `llm-mcp train`.
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/flag_checks.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/staged_dir.h"
#include "engine/planning.h"

namespace llmcp::cli {

void add_recommend_command(CLI::App& app) {
  auto req = std::make_shared<engine::RecommendRequest>();
  auto out = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("recommend", "Recommend a training config (method, rank, learning rate, batch, ...) that fits");
  cmd->add_option("--model", req->model, "Model folder (config.json alone is enough) or a Hub id ORG/NAME[@REV] (from the cache, built in, or its config.json fetched)")->required();
  cmd->add_option("--dataset", req->dataset, "JSONL training data")->required();
  cmd->add_option("--gpu", req->hardware.gpu, "Plan for this GPU: RTX 3090/4090 24GB, A6000 48GB, A100 40/80GB, H100 80GB, H200");
  cmd->add_option("--memory", req->hardware.memory_gb, "Plan for this much memory (GiB) instead")->check(amount_above_zero("GiB", 1 << 20));
  cmd->add_option("--gpus", req->hardware.gpus, "Number of such devices, one training process each (data parallel; the "
                  "base sharded across them when it does not fit one)")->check(at_least(1, 64));
  auto overwrite = std::make_shared<bool>(false);
  cmd->add_option("--out", *out, "Write the config here (YAML)");
  cmd->add_flag("--overwrite", *overwrite, "Replace --out if it exists");
  cmd->add_flag("--json", *json, "Print the recommendation as JSON");
  cmd->callback([req, out, json, overwrite] {
    if (!out->empty()) {
      core::check_not_input(*out, {req->dataset, req->model}, "--out");
      LLMCP_CHECK(*overwrite || !std::filesystem::exists(*out), kInvalidArgument, "--out ", *out,
                  " already exists; choose another file, or pass --overwrite to replace it");
    }
    const auto r = engine::recommend_config(*req);
    if (!out->empty()) core::write_file_atomic(*out, r["yaml"].get<std::string>());
    if (*json) {
      std::cout << r.dump(2) << std::endl;
      return;
    }
    std::cout << r["yaml"].get<std::string>();
    if (!out->empty()) std::cout << "\nwritten to " << *out << "; run: llm-mcp train " << *out << "\n";
  });
}

}  // namespace llmcp::cli

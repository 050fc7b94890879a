// `llm-mcp models`: the support matrix (architecture family x training method) as the code has
// it, from engine::support_matrix(); with --gpu NAME (or --memory GB), the seed's matrix of models
// x methods derived from the memory planner for that card; --json for the full record.
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/flag_checks.h"
#include "engine/engine.h"
#include "engine/planning.h"

namespace llmcp::cli {
namespace {

void print_table(const nlohmann::json& m) {
  std::cout << std::left << std::setw(11) << "family" << std::setw(38) << "architectures";
  for (const auto& method : m["methods"]) std::cout << std::setw(8) << method.get<std::string>();
  std::cout << "layout\n";
  std::string reasons;
  for (const auto& f : m["families"]) {
    std::string archs;
    for (const auto& a : f["architectures"]) archs += (archs.empty() ? "" : ", ") + a.get<std::string>();
    std::cout << std::setw(11) << f["family"].get<std::string>() << std::setw(38) << archs;
    for (const auto& method : m["methods"]) {
      const auto& c = f["methods"][method.get<std::string>()];
      const bool ok = c["supported"].get<bool>();
      std::cout << std::setw(8) << (ok ? "yes" : "no");
      if (!ok) reasons += "  " + f["family"].get<std::string>() + " / " + method.get<std::string>() + ": " +
                          c["reason"].get<std::string>() + "\n";
    }
    std::cout << f["layout"].get<std::string>() << "\n";
  }
  std::cout << "\nLoRA target_modules by family (default first):\n";
  for (const auto& f : m["families"]) {
    std::string defaults, all;
    for (const auto& t : f["default_target_modules"]) defaults += (defaults.empty() ? "" : ", ") + t.get<std::string>();
    for (const auto& t : f["target_modules"]) all += (all.empty() ? "" : ", ") + t.get<std::string>();
    std::cout << "  " << std::setw(10) << f["family"].get<std::string>() << " default [" << defaults << "]; all-linear: "
              << all << "\n";
  }
  if (!reasons.empty()) std::cout << "\nNot supported:\n" << reasons;
}

std::string gib(int64_t bytes) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << static_cast<double>(bytes) / (1 << 30);
  return s.str();
}

void print_gpu_matrix(const nlohmann::json& m) {
  std::cout << "Fine-tuning on one " << m["hardware"].get<std::string>() << " (" << gib(m["memory_bytes"].get<int64_t>())
            << " GiB): batch 1 x " << m["seq_len"] << " tokens, bf16, peak GiB\n\n";
  std::cout << std::left << std::setw(30) << "model";
  for (const auto& method : m["methods"]) std::cout << std::setw(13) << method.get<std::string>();
  std::cout << "\n";
  for (const auto& row : m["models"]) {
    std::cout << std::setw(30) << row["model"].get<std::string>();
    for (const auto& method : m["methods"]) {
      const auto& c = row["cells"][method.get<std::string>()];
      const std::string v = c["verdict"];
      const std::string cell = v == "fits" ? "yes " + gib(c["bytes"]) : v == "checkpointing" ? "ckpt " + gib(c["checkpointing_bytes"])
                                                                                                : "no " + gib(c["checkpointing_bytes"]);
      std::cout << std::setw(13) << cell;
    }
    std::cout << "\n";
  }
  std::cout << "\nyes: fits as is; ckpt: fits only with gradient checkpointing; no: does not fit even with it (the "
               "figure is what it needs). Each GPU holds the whole model; a model that fits no single card trains with "
               "its base sharded across several (shard_base: llm-mcp estimate --gpus N --set shard_base=true). "
               "llm-mcp estimate shows any cell's breakdown.\n";
}

}  // namespace

void add_models_command(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  auto hw = std::make_shared<engine::PlanHardware>();
  auto seq = std::make_shared<int64_t>(1024);
  auto* cmd = app.add_subcommand("models", "Print the support matrix: model families x training methods");
  cmd->add_flag("--json", *json, "Print the matrix as JSON");
  cmd->add_option("--gpu", hw->gpu, "The seed's models x methods on this GPU, from the memory planner");
  cmd->add_option("--memory", hw->memory_gb, "... or on this much memory (GiB)")->check(amount_above_zero("GiB", 1 << 20));
  cmd->add_option("--seq-len", *seq, "Tokens per row for the --gpu matrix")
      ->capture_default_str()
      ->check(at_least(2, int64_t{1} << 24));
  cmd->callback([json, hw, seq] {
    if (!hw->gpu.empty() || hw->memory_gb > 0) {
      auto m = engine::gpu_support_matrix(*hw, *seq);
      if (*json) std::cout << m.dump(2) << std::endl;
      else print_gpu_matrix(m);
      return;
    }
    auto m = engine::support_matrix();
    if (*json) std::cout << m.dump(2) << std::endl;
    else print_table(m);
  });
}

}  // namespace llmcp::cli

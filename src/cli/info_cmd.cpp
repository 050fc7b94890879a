// `llm-mcp info`: architecture, size and memory needs of a model folder (only config.json is
// needed, so users can plan before downloading weights); --json for the machine-readable record.
#include <iostream>

#include "cli/commands.h"
#include "cli/model_ref.h"
#include "core/format.h"
#include "engine/engine.h"

namespace llmcp::cli {
namespace {

// "nf4, block size 64, double quantization, compute dtype float32 (bitsandbytes)" or "none".
std::string quantization_text(const nlohmann::json& q) {
  if (q.is_null()) return "none";
  std::string s = q["type"].get<std::string>();
  if (q.contains("blocksize")) {
    s += ", block size " + q["blocksize"].dump();
    if (q["double_quant"].get<bool>()) s += ", double quantization";
    s += ", compute dtype " + q["compute_dtype"].get<std::string>();
  }
  if (q.contains("error")) s += "; cannot be loaded here: " + q["error"].get<std::string>();
  return q["type"] == q["method"] ? s : s + " (" + q["method"].get<std::string>() + ")";
}

}  // namespace

void add_info_command(CLI::App& app) {
  auto model = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("info", "Describe a model folder (architecture, parameters, memory); config.json suffices");
  auto model_opt = std::make_shared<ModelOption>(cmd, *model, "Model (config.json suffices)");
  cmd->add_flag("--json", *json, "Print the description as JSON");
  cmd->callback([model, json, model_opt] {
    model_opt->resolve();
    auto j = engine::model_info(*model);
    if (*json) {
      std::cout << j.dump(2) << std::endl;
      return;
    }
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "quantization") {
        std::cout << "quantization: " << quantization_text(it.value()) << "\n";
        continue;
      }
      std::string v = it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
      if (it.value().is_number_integer() && it.value().get<int64_t>() >= 10000) v = core::with_commas(it.value().get<int64_t>());
      std::cout << it.key() << ": " << v << "\n";
    }
  });
}

}  // namespace llmcp::cli

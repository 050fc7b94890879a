// `llm-mcp models`: the support matrix (architecture family x training method) as the code has
// it, from engine::support_matrix(); --json for the full record.
#include <iomanip>
#include <iostream>

#include "cli/commands.h"
#include "engine/engine.h"

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

}  // namespace

void add_models_command(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("models", "Print the support matrix: model families x training methods");
  cmd->add_flag("--json", *json, "Print the matrix as JSON");
  cmd->callback([json] {
    auto m = engine::support_matrix();
    if (*json) std::cout << m.dump(2) << std::endl;
    else print_table(m);
  });
}

}  // namespace llmcp::cli

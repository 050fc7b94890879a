// run_training: the recipe (train/recipe.cpp) run with its output folder left as found when it
// fails before writing anything of value; and the settings a resumed run changed.
#include "train/trainer.h"

#include <functional>

#include "core/workspace.h"
#include "train/checkpoint.h"
#include "train/recipe.h"

namespace llmcp::train {

std::vector<std::string> config_differences(const nlohmann::json& saved, const nlohmann::json& now) {
  std::vector<std::string> out;
  std::function<void(const std::string&, const nlohmann::json&, const nlohmann::json&)> walk =
      [&](const std::string& prefix, const nlohmann::json& a, const nlohmann::json& b) {
        for (auto it = b.begin(); it != b.end(); ++it) {
          const std::string key = prefix + it.key();
          if (!a.contains(it.key())) continue;  // a key this version adds: not a change of the run
          const auto& old = a[it.key()];
          if (old.is_object() && it->is_object()) walk(key + ".", old, *it);
          else if (old != *it) out.push_back(key + ": " + old.dump() + " -> " + it->dump());
        }
      };
  if (saved.is_object() && now.is_object()) walk("", saved, now);
  return out;
}

TrainResult run_training(const TrainConfig& c, const TrainOptions& options) {
  const std::filesystem::path out_dir = c.output_dir;
  std::error_code ec;
  const bool fresh = !std::filesystem::exists(out_dir, ec) || std::filesystem::is_empty(out_dir, ec);
  try {
    return Recipe(c, options).train();
  } catch (...) {
    // Nothing of value was written (no checkpoint): leave the folder as it was found. Never
    // touch a folder outside the write roots (the refusal itself may be why the run failed).
    if (!options.write_roots.empty() && !core::inside_any(out_dir, options.write_roots)) throw;
    if (fresh && list_checkpoints(out_dir).empty()) {
      if (std::filesystem::exists(out_dir, ec)) std::filesystem::remove_all(out_dir, ec);
    }
    throw;
  }
}

}  // namespace llmcp::train

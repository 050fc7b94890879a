// Small training runs for trainer tests: a tiny model, a JSONL dataset, a config.
#pragma once

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "model/synthetic.h"
#include "test_util.h"
#include "train/train_config.h"

namespace llmcp::train::testing {

// Instruction records of varied lengths ("Repeat ..."), n of them.
inline void write_instruction_data(const std::filesystem::path& path, int n) {
  std::ofstream f(path);
  for (int i = 0; i < n; ++i) {
    std::string words;
    for (int k = 0; k <= i % 5; ++k) words += " item" + std::to_string((i * 7 + k) % 13);
    f << nlohmann::json{{"instruction", "Repeat:" + words}, {"input", ""}, {"output", words.substr(1)}}.dump() << "\n";
  }
}

inline void make_model(const std::filesystem::path& dir) {
  model::SyntheticSpec spec;
  spec.seed = 5;
  model::create_synthetic_model(spec, dir);
}

inline nlohmann::json config(const llmcp::testing::TempDir& dir, const std::string& out) {
  return {{"model", (dir / "m").string()}, {"dataset", (dir / "d.jsonl").string()}, {"output_dir", (dir / out).string()},
          {"lora_rank", 4}, {"lora_alpha", 8}, {"target_modules", "all-linear"}, {"learning_rate", 1e-2},
          {"seed", 3}, {"logging_steps", 1}};
}

}  // namespace llmcp::train::testing

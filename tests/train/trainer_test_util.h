// Small training runs for trainer tests: a tiny model, a JSONL dataset, a config.
#pragma once

#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "io/safetensors.h"
#include "model/synthetic.h"
#include "model/tensor_view.h"
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

// Every tensor of a safetensors file, as fp64 CPU tensors by name.
inline std::map<std::string, at::Tensor> read_all(const std::filesystem::path& file) {
  auto st = io::SafetensorsFile::open(file);
  std::map<std::string, at::Tensor> out;
  for (const auto& v : st->tensors()) out[v.name] = model::tensor_from_view(v, at::kDouble, at::kCPU);
  return out;
}

}  // namespace llmcp::train::testing

// The recommender: from the model, the dataset (how many examples, how long) and the memory,
// a training config that follows the seed's best practices (supported-models.md: small datasets
// -> LoRA/DoRA with higher dropout, a lower learning rate, more epochs; large ones -> QLoRA, a
// higher rate, fewer epochs, larger batches; constrained memory -> sparse fine-tuning, gradient
// checkpointing, mixed precision; lora-integration.md: rank 4-8 on q_proj/v_proj to start, the
// largest batch that fits, gradient accumulation for the rest), checked against the memory model
// and explained one sentence per choice.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "train/plan/hardware.h"
#include "train/plan/memory_estimate.h"

namespace llmcp::plan {

struct DatasetStats {
  std::string path;
  int64_t examples = 0;
  int64_t p50_tokens = 0, p95_tokens = 0, max_tokens = 0;
  bool approximate = false;  // lengths from bytes / 4 (no tokenizer beside the model)
};

enum class Scenario { kSmall, kMedium, kLarge };  // < 10K, 10K-100K, >= 100K examples
const char* scenario_name(Scenario s);

struct Recommendation {
  Scenario scenario = Scenario::kSmall;
  bool constrained = false;        // the preferred plan did not fit without checkpointing
  nlohmann::ordered_json config;   // training config keys, ready for `llm-mcp train`
  // One sentence per choice, with the config key it explains ("" for the plan as a whole).
  std::vector<std::pair<std::string, std::string>> reasons;
  MemoryEstimate estimate;
};

// `model_ref` is what goes into the config's `model` key. Fails (kInvalidArgument) when no plan
// fits the memory, saying what would: the smallest plan's size, a GPU of the catalog that holds
// it, or sharding across devices.
Recommendation recommend(const ModelShape& m, const std::string& model_ref, const DatasetStats& d,
                         const Hardware& hw);

// The config as YAML, each key preceded by the reason for it.
std::string recommendation_yaml(const Recommendation& r);

}  // namespace llmcp::plan

// Training checkpoints: output_dir/checkpoint-<step>/ holds the trainable weights (PEFT folder or
// model folder), optimizer.safetensors, rng_state.safetensors and trainer_state.json. Each is
// written into checkpoint-<step>.tmp and renamed into place, so a kill leaves either a complete
// checkpoint or none; the oldest beyond save_total_limit are removed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "train/optimizer.h"
#include "train/trainable_model.h"

namespace llmcp::train {

// Where a run stands; enough to continue exactly where it stopped.
struct RunState {
  int64_t global_step = 0;
  int64_t epoch = 0;          // current epoch (0-based)
  int64_t step_in_epoch = 0;  // optimizer steps already taken in this epoch
  // Micro-batches of the epoch's plan consumed by all ranks together (-1: a checkpoint older than
  // this field; then step_in_epoch x gradient_accumulation_steps). Resuming with another world
  // size goes on from here.
  int64_t micro_batch = -1;
  int64_t world_size = 1;  // processes that trained up to here
  double best_eval_loss = 0;
  bool has_best = false;
  int64_t evals_without_improvement = 0;
  double elapsed_seconds = 0;
  int64_t tokens_seen = 0;

  nlohmann::ordered_json to_json() const;
  static RunState from_json(const nlohmann::json& j);
};

std::filesystem::path save_checkpoint(const std::filesystem::path& output_dir, const TrainableModel& model,
                                      const Optimizer& optimizer, const RunState& state, int64_t keep);

// Complete checkpoints in output_dir, oldest first (step order).
std::vector<std::filesystem::path> list_checkpoints(const std::filesystem::path& output_dir);
// Restores weights, optimizer moments, RNG and returns the state; throws naming what is broken.
RunState load_checkpoint(const std::filesystem::path& dir, TrainableModel& model, Optimizer& optimizer);
// Removes checkpoint-*.tmp folders and half-written files left by a killed run.
void remove_partial_checkpoints(const std::filesystem::path& output_dir);

}  // namespace llmcp::train

// The training loop shared by every method: data -> micro-batches -> masked loss -> backward ->
// clip -> AdamW with the schedule, with gradient accumulation normalised by the target tokens of
// all accumulated micro-batches, periodic evaluation and early stopping, checkpoints and exact
// resume, metrics.jsonl and a progress display.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <vector>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "train/train_config.h"

namespace llmcp::train {

struct TrainOptions {
  bool resume = false;  // continue from the newest complete checkpoint in output_dir
  std::function<void(const nlohmann::ordered_json&)> on_metrics;  // every metrics.jsonl record
  const std::atomic<bool>* stop = nullptr;  // set to stop after the current step (a checkpoint is written)
  // When set (a server's job): output_dir must resolve inside one of these, checked again right
  // before each write, so a symlink placed after the server validated the path is refused.
  std::vector<std::filesystem::path> write_roots;
  // Launched distributed (RANK, WORLD_SIZE... set): how long a collective or the rendezvous may
  // wait for the other ranks before the run stops with an error.
  std::chrono::milliseconds dist_timeout{std::chrono::minutes(5)};
};

struct TrainResult {
  int64_t steps = 0;
  double train_loss = 0;  // last logged
  std::optional<double> eval_loss;
  std::string stop_reason;  // "completed" | "max_steps" | "early_stopping" | "stopped"
  std::string output_dir;
  std::string last_checkpoint;  // newest checkpoint folder written or resumed from
  // On resume: the keys whose values differ from the run's saved training_config.json.
  std::vector<std::string> changed_keys;
  nlohmann::ordered_json data;  // dataset reports (counts, errors)
  // Resident memory just before the model was loaded, and the process's peak: their difference
  // is what the run itself needed (bench/memory_check.sh compares it with the planner's estimate).
  int64_t rss_before_model_bytes = 0, peak_rss_bytes = 0;
};

// A run that fails before writing a checkpoint leaves no output folder behind (when the folder
// was empty or absent at the start); one that wrote checkpoints keeps them for --resume.
TrainResult run_training(const TrainConfig& config, const TrainOptions& options = {});

// "key: old -> new" for each setting of `now` that differs from `saved` (a training_config.json).
std::vector<std::string> config_differences(const nlohmann::json& saved, const nlohmann::json& now);

}  // namespace llmcp::train

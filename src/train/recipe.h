// A training run split into named steps, as torchtune's recipes are: setup steps that each do one
// thing (the output folder, the data, the model with its precision and optimizer, the schedule,
// the state: fresh or resumed), then the loop, whose optimizer step, metrics line, evaluation and
// checkpoint are functions of their own. Internal to llmcp_train: run_training (trainer.cpp)
// builds one and calls train().
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "train/checkpoint.h"
#include "train/data_parallel.h"
#include "train/data/dataset.h"
#include "train/grad_scaler.h"
#include "train/loss.h"
#include "train/metrics.h"
#include "train/optimizer.h"
#include "train/trainable_model.h"
#include "train/trainer.h"

namespace llmcp::train {

class Recipe {
 public:
  Recipe(const TrainConfig& c, const TrainOptions& options);
  TrainResult train();

 private:
  struct StepResult {
    double loss = 0, router_loss = 0, grad_norm = 0, lr = 0;
    int64_t tokens = 0;
    bool stop = false;  // some rank was asked to stop
    dist::SyncStats sync;  // this rank's gradient all-reduces (data-parallel runs)
    DataParallel::GatherStats gathers;  // this rank's base gathers (shard_base)
  };

  void setup_output();    // checkpoints found vs. resume asked
  void setup_data();      // datasets -> rows; the evaluation split
  void setup_model();     // seeded weights, adapter, precision, the router loss, the optimizer
  void setup_schedule();  // steps per epoch, total steps, warmup
  void setup_state();     // resumed from the newest checkpoint, or fresh; training_config.json
  StepResult step();      // one optimizer step over gradient_accumulation_steps micro-batches
  void check_loss(double loss) const;
  void log_step(const StepResult& s, double seconds);
  bool evaluate();  // true: stop early
  void emit(const nlohmann::ordered_json& j);
  void check_writable() const;  // the write confinement of a server's job

  const TrainConfig& c_;
  const TrainOptions& options_;
  std::unique_ptr<DataParallel> dp_;  // rank and world (1 when not launched distributed)
  const std::filesystem::path out_dir_;
  TrainResult result_;
  std::vector<std::filesystem::path> existing_;  // complete checkpoints found
  std::filesystem::path last_checkpoint_;

  std::optional<data::Dataset> train_ds_;
  std::vector<size_t> train_idx_;
  std::vector<Row> eval_rows_;
  int32_t pad_ = 0;

  std::unique_ptr<TrainableModel> model_;
  std::unique_ptr<Optimizer> optimizer_;
  std::optional<GradScaler> scaler_;
  at::Device device_ = at::kCPU;
  at::ScalarType amp_dtype_ = at::kBFloat16;
  bool router_loss_ = false;
  double router_coef_ = 0;

  int64_t steps_per_epoch_ = 0, total_ = 0, warmup_ = 0;
  RunState state_;
  std::vector<std::vector<Row>> plan_;  // this epoch's micro-batches
  std::unique_ptr<MetricsLog> metrics_;
  std::unique_ptr<Progress> progress_;
  std::chrono::steady_clock::time_point start_;
  double elapsed_before_ = 0;
};

// Micro-batches of one epoch, as rows: a pure function of (seed, epoch), so a resumed run
// rebuilds the plan and skips the steps already taken.
std::vector<std::vector<Row>> epoch_plan(const TrainConfig& c, const std::vector<data::Example>& ex,
                                         const std::vector<size_t>& train_idx, int64_t epoch);

}  // namespace llmcp::train

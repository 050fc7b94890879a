// The training recipe's view of data parallelism (DDP's semantics on dist/): which of a step's
// micro-batches this rank computes, sums over the ranks (target tokens, losses, the stop flag),
// gradients summed as DDP sums them (dist::GradSync, overlapped with backward), and which rank
// writes. A step takes gradient_accumulation_steps x world micro-batches of the epoch's seeded
// plan; rank r computes those at r, r + world, ... so the step's gradient is the one a single
// process computes over the same micro-batches. World 1 (not launched distributed) does nothing.
#pragma once

#include <ATen/core/Tensor.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "dist/grad_sync.h"
#include "dist/process_group.h"
#include "dist/sharded_weight.h"
#include "model/loader.h"

namespace llmcp::train {

class DataParallel {
 public:
  // Joins the group torchrun's variables describe (RANK, WORLD_SIZE, MASTER_ADDR...): when
  // WORLD_SIZE is above 1, or set at all (a group of one, to check the path); else none.
  explicit DataParallel(std::chrono::milliseconds timeout);
  ~DataParallel();
  int64_t rank() const { return rank_; }
  int64_t world() const { return world_; }
  bool writer() const { return rank_ == 0; }  // rank 0 writes checkpoints, metrics, adapters

  // This rank's micro-batches (indices into the epoch plan) of the step that starts at the
  // plan's micro-batch `first`.
  std::vector<size_t> micro_batches(size_t first, int64_t accumulation, size_t plan_size) const;
  // How many the rank with the most has (rank 0).
  size_t most_micro_batches(size_t first, int64_t accumulation, size_t plan_size) const;
  std::vector<double> sum(std::vector<double> values);  // elementwise over the ranks
  void barrier();
  // Called at the start of each step. Each rank notes (in the rendezvous store) where it is
  // before each collective, so when one fails the error names the ranks that never reached it
  // (they hang, or stopped).
  void reached(int64_t step);

  void sync_gradients_of(std::vector<at::Tensor> params);
  void sum_in_place(std::vector<at::Tensor> tensors);  // each summed over the ranks
  void arm();                 // before the step's last backward
  dist::SyncStats finish();   // after it: the gradients are the sums over the ranks

  // shard_base: what the loader hands each base weight to, keeping this rank's part (the
  // gathers run in a group of their own, NCCL for a model on a GPU). Nothing when not launched
  // distributed; a group of one (WORLD_SIZE=1) shards into one part, which checks the path.
  model::ShardFn base_sharder(bool cuda);
  bool sharding() const { return shard_group_ != nullptr; }
  int64_t shard_bytes() const { return shard_bytes_; }  // the base bytes this rank keeps
  struct GatherStats {
    int64_t bytes = 0, calls = 0;
    double seconds = 0;
  };
  GatherStats take_gather_stats();  // since the last call
  // Runs a micro-batch's forward and backward: with a sharded base they are collectives too, so
  // a failure names the ranks that did not get there, as a collective's does.
  void compute(const std::function<void()>& f);

 private:
  // Runs a collective; a failure is rethrown naming the ranks behind this one's step.
  template <class F>
  auto collective(F f) -> decltype(f());
  int64_t rank_ = 0, world_ = 1, step_ = 0, in_step_ = 0;  // in_step_: collectives this step
  std::unique_ptr<dist::Group> group_;
  std::unique_ptr<dist::Group> grad_group_;  // NCCL when the parameters are on a GPU
  std::unique_ptr<dist::GradSync> sync_;
  std::unique_ptr<dist::Group> shard_group_;  // the base weights' gathers
  dist::GatherContext gathers_;
  int64_t shard_bytes_ = 0;
  // A heartbeat noted every second, so a failure can tell a frozen rank from a busy one.
  std::thread heartbeat_;
  std::mutex heartbeat_mu_;
  std::condition_variable heartbeat_cv_;
  bool stopping_ = false;
};

}  // namespace llmcp::train

// DataParallel; see data_parallel.h.
#include "train/data_parallel.h"

#include <ATen/ATen.h>

#include "core/log.h"

namespace llmcp::train {

DataParallel::DataParallel(std::chrono::milliseconds timeout) {
  const auto env = dist::env_from_environment();
  if (env.world <= 1) return;
  rank_ = env.rank;
  world_ = env.world;
  group_ = dist::Group::join(env, timeout);
  core::log_info("rank ", rank_, " of ", world_, " joined the group at ", env.master_addr, ":", env.master_port);
}

std::vector<size_t> DataParallel::micro_batches(size_t first, int64_t accumulation, size_t plan_size) const {
  std::vector<size_t> out;
  for (int64_t j = 0; j < accumulation; ++j) {
    const size_t i = first + static_cast<size_t>(j * world_ + rank_);
    if (i < plan_size) out.push_back(i);
  }
  return out;
}

std::vector<double> DataParallel::sum(std::vector<double> values) {
  if (!group_ || values.empty()) return values;
  auto t = at::tensor(values, at::kDouble);
  group_->all_reduce_sum(t);
  const double* p = t.data_ptr<double>();
  return std::vector<double>(p, p + t.numel());
}

void DataParallel::barrier() {
  if (group_) group_->barrier();
}

void DataParallel::sync_gradients_of(std::vector<at::Tensor> params) {
  if (group_) sync_ = std::make_unique<dist::GradSync>(*group_, std::move(params));
}

void DataParallel::arm() {
  if (sync_) sync_->arm();
}

dist::SyncStats DataParallel::finish() { return sync_ ? sync_->finish() : dist::SyncStats{}; }

}  // namespace llmcp::train

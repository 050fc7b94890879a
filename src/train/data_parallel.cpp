// DataParallel; see data_parallel.h.
#include "train/data_parallel.h"

#include <ATen/ATen.h>

#include <cstdio>
#include <cstdlib>

#include "core/error.h"
#include "core/log.h"

namespace llmcp::train {
namespace {
std::string where_key(int64_t rank) { return "llmcp/where/" + std::to_string(rank); }
std::string alive_key(int64_t rank) { return "llmcp/alive/" + std::to_string(rank); }
}  // namespace

DataParallel::DataParallel(std::chrono::milliseconds timeout) {
  const auto env = dist::env_from_environment();
  const char* given = std::getenv("WORLD_SIZE");
  if (env.world <= 1 && !(given && *given)) return;
  rank_ = env.rank;
  world_ = env.world;
  group_ = dist::Group::join(env, timeout);
  core::log_info("rank ", rank_, " of ", world_, " joined the group at ", env.master_addr, ":", env.master_port);
  heartbeat_ = std::thread([this] {
    std::unique_lock lock(heartbeat_mu_);
    for (int64_t beat = 1; !stopping_; ++beat) {
      try {
        group_->note(alive_key(rank_), std::to_string(beat));
      } catch (const std::exception&) {
        return;  // the store is gone: the training thread will find out at its next collective
      }
      heartbeat_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
    }
  });
}

DataParallel::~DataParallel() {
  if (!heartbeat_.joinable()) return;
  {
    std::lock_guard lock(heartbeat_mu_);
    stopping_ = true;
  }
  heartbeat_cv_.notify_all();
  heartbeat_.join();
}


template <class F>
auto DataParallel::collective(F f) -> decltype(f()) {
  ++in_step_;
  group_->note(where_key(rank_), std::to_string(step_) + " " + std::to_string(in_step_));
  try {
    return f();
  } catch (const core::Error& e) {
    std::string behind;
    for (int64_t r = 0; r < world_; ++r) {
      if (r == rank_) continue;
      const auto at = group_->read_note(where_key(r));
      int64_t step = -1, k = -1;
      if (at) std::sscanf(at->c_str(), "%ld %ld", &step, &k);
      if (step > step_ || (step == step_ && k >= in_step_)) continue;
      behind += (behind.empty() ? "" : "; ") + ("rank " + std::to_string(r)) +
                (step < 0 ? std::string(" never reached a step")
                          : " did not get there (it is at step " + std::to_string(step) + ", collective " +
                                std::to_string(k) + "): it hangs or stopped");
    }
    if (behind.empty()) {  // all got there: is one of them frozen (its heartbeat stopped)?
      std::vector<std::optional<std::string>> before;
      for (int64_t r = 0; r < world_; ++r) before.push_back(group_->read_note(alive_key(r)));
      std::this_thread::sleep_for(std::chrono::milliseconds(2500));
      for (int64_t r = 0; r < world_; ++r)
        if (r != rank_ && before[static_cast<size_t>(r)] == group_->read_note(alive_key(r)))
          behind += (behind.empty() ? "" : "; ") + ("rank " + std::to_string(r)) +
                    " has not answered for seconds (no heartbeat): it is stopped or frozen";
    }
    if (behind.empty()) throw;
    LLMCP_FAIL(kIo, e.what(), ". This is rank ", rank_, " at step ", step_, ", collective ", in_step_, "; ", behind);
  }
}

void DataParallel::reached(int64_t step) {
  step_ = step;
  in_step_ = 0;
}

std::vector<size_t> DataParallel::micro_batches(size_t first, int64_t accumulation, size_t plan_size) const {
  std::vector<size_t> out;
  for (int64_t j = 0; j < accumulation; ++j) {
    const size_t i = first + static_cast<size_t>(j * world_ + rank_);
    if (i < plan_size) out.push_back(i);
  }
  return out;
}

size_t DataParallel::most_micro_batches(size_t first, int64_t accumulation, size_t plan_size) const {
  size_t n = 0;
  for (int64_t j = 0; j < accumulation; ++j) n += first + static_cast<size_t>(j * world_) < plan_size ? 1 : 0;
  return n;
}

std::vector<double> DataParallel::sum(std::vector<double> values) {
  if (!group_ || values.empty()) return values;
  auto t = at::tensor(values, at::kDouble);
  collective([&] { group_->all_reduce_sum(t); });
  const double* p = t.data_ptr<double>();
  return std::vector<double>(p, p + t.numel());
}

void DataParallel::sum_in_place(std::vector<at::Tensor> tensors) {
  if (!group_) return;
  for (auto& t : tensors) {
    auto& g = t.is_cuda() && grad_group_ ? *grad_group_ : *group_;
    collective([&] { g.all_reduce_sum(t); });
  }
}

void DataParallel::barrier() {
  if (group_) collective([&] { group_->barrier(); });
}

void DataParallel::sync_gradients_of(std::vector<at::Tensor> params) {
  if (!group_ || params.empty()) return;
  // Gradients on a GPU go through NCCL (a second group over the same ranks); Gloo keeps the
  // small sums, the barrier and the notes.
  if (params.front().is_cuda()) grad_group_ = group_->another("nccl", /*cuda=*/true);
  sync_ = std::make_unique<dist::GradSync>(grad_group_ ? *grad_group_ : *group_, std::move(params));
}

void DataParallel::arm() {
  if (sync_) sync_->arm();
}

model::ShardFn DataParallel::base_sharder(bool cuda) {
  if (!group_) {
    core::log_info("shard_base: one process keeps the whole base");
    return {};
  }
  shard_group_ = group_->another("shard", cuda);
  return [this](const std::string& module, const model::WholeBase& whole) {
    auto s = std::make_shared<dist::ShardedWeight>(*shard_group_, module, whole, &gathers_);
    shard_bytes_ += s->local_bytes();
    return s;
  };
}

void DataParallel::compute(const std::function<void()>& f) {
  if (shard_group_) collective(f);
  else f();
}

DataParallel::GatherStats DataParallel::take_gather_stats() {
  return {gathers_.bytes.exchange(0), gathers_.calls.exchange(0), static_cast<double>(gathers_.micros.exchange(0)) * 1e-6};
}

dist::SyncStats DataParallel::finish() {
  return sync_ ? collective([&] { return sync_->finish(); }) : dist::SyncStats{};
}

}  // namespace llmcp::train

// Data-parallel gradients with DDP's semantics: the trainable parameters are put in buckets (in
// reverse order, as backward produces their gradients; about 25 MB each, the first 1 MB, as DDP
// does), a hook on each parameter collects its gradient, and a bucket whose gradients have all
// arrived is summed over the ranks (an asynchronous all-reduce on c10d) while backward goes on.
// Buckets are launched strictly in order, so every rank issues the same collectives in the same
// order whatever order its backward ran in; finish() launches what backward left (parameters
// without a gradient this step), waits, and writes the sums back as the gradients.
//
// With gradient accumulation only the last micro-batch's backward is armed: its hook adds the
// gradient accumulated so far, so the sum is over every micro-batch of every rank.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "dist/process_group.h"

namespace llmcp::dist {

struct SyncStats {
  int64_t bytes = 0;          // all-reduced this step (each rank's payload)
  int64_t buckets = 0;
  int64_t launched_in_backward = 0;  // buckets started before backward ended (overlapped)
  double wait_seconds = 0;    // finish()'s wait: communication backward did not hide
};

class GradSync {
 public:
  GradSync(Group& group, std::vector<at::Tensor> params, int64_t bucket_bytes = int64_t{25} << 20,
           int64_t first_bucket_bytes = int64_t{1} << 20);
  ~GradSync();
  GradSync(const GradSync&) = delete;
  GradSync& operator=(const GradSync&) = delete;

  void arm();       // before the backward whose gradients are to be summed
  SyncStats finish();  // after it: every bucket summed and written back as .grad

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmcp::dist

// The three schedules of transformers.optimization, same formulas and edge cases.
#include "train/schedule.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace llmcp::train {

double lr_multiplier(const std::string& schedule, int64_t step, int64_t total, int64_t warmup) {
  if (step < warmup) return static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, warmup));
  if (schedule == "constant") return 1.0;
  const double progress =
      static_cast<double>(step - warmup) / static_cast<double>(std::max<int64_t>(1, total - warmup));
  if (schedule == "linear") return std::max(0.0, 1.0 - progress);
  if (schedule == "cosine") return std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * progress)));
  LLMCP_FAIL(kInvalidArgument, "unknown lr_scheduler '", schedule, "'; choose constant, linear or cosine");
}

}  // namespace llmcp::train
